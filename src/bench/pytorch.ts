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

/** Milliseconds per step of one timed run in PyTorch (after its own warm-up). */
export function pytorchMsPerStep(python: string, opts: BenchOptions): number {
  const script = path.join(repoRoot, "tools", "pytorch", "bench.py");
  if (!existsSync(script)) throw new Error(`${script} is missing`);
  const args = [
    script,
    opts.mode,
    "--preset",
    opts.preset,
    "--batch",
    String(opts.batch),
    "--steps",
    String(opts.steps),
  ];
  args.push("--warmup", String(opts.warmup), "--repeats", "1", "--threads", String(opts.threads), "--json");
  args.push("--device", opts.device ?? "cpu");
  const r = spawnSync(python, args, { encoding: "utf8" });
  if (r.status !== 0)
    throw new Error(`PyTorch benchmark failed: ${(r.stderr || r.stdout).trim().split("\n").pop()}`);
  const out = JSON.parse(r.stdout) as { msPerStep: number };
  return out.msPerStep;
}
