// The yardstick: the same benchmark in PyTorch's Python API (tools/pytorch/bench.py), run as a
// subprocess with the same preset, batch, steps and threads.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchOptions } from "./throughput.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** A python with torch: $TORCH_PYTHON, else Debian's /usr/bin/python3, else python3. */
export function torchPython(): string | undefined {
  for (const py of [process.env["TORCH_PYTHON"], "/usr/bin/python3", "python3"]) {
    if (!py) continue;
    const r = spawnSync(py, ["-c", "import torch"], { stdio: "ignore" });
    if (r.status === 0) return py;
  }
  return undefined;
}

/** Runs tools/pytorch/<script> with args and returns the msPerStep of its JSON. */
function runPytorchBench(python: string, script: string, args: string[]): number {
  const file = path.join(repoRoot, "tools", "pytorch", script);
  if (!existsSync(file)) throw new Error(`${file} is missing`);
  const r = spawnSync(python, [file, ...args], { encoding: "utf8" });
  if (r.status !== 0)
    throw new Error(`PyTorch benchmark failed: ${(r.stderr || r.stdout).trim().split("\n").pop()}`);
  const out = JSON.parse(r.stdout) as { msPerStep: number };
  return out.msPerStep;
}

function commonArgs(opts: BenchOptions): string[] {
  return [
    "--preset",
    opts.preset,
    "--batch",
    String(opts.batch),
    "--steps",
    String(opts.steps),
    "--warmup",
    String(opts.warmup),
    "--threads",
    String(opts.threads),
    "--json",
  ];
}

/** Milliseconds per step of one timed run in PyTorch (after its own warm-up). */
export function pytorchMsPerStep(python: string, opts: BenchOptions): number {
  return runPytorchBench(python, "bench.py", [
    opts.mode,
    ...commonArgs(opts),
    "--repeats",
    "1",
    "--device",
    opts.device ?? "cpu",
  ]);
}

/**
 * Milliseconds per step (global batch) of one timed run of PyTorch's DistributedDataParallel on
 * nproc processes of opts.threads threads each, Gloo (tools/pytorch/bench_ddp.py).
 */
export function pytorchDdpMsPerStep(python: string, opts: BenchOptions, nproc: number): number {
  return runPytorchBench(python, "bench_ddp.py", ["--nproc", String(nproc), ...commonArgs(opts)]);
}
