// A Python with PyTorch for the reference tests: $TORCH_PYTHON, else Debian's /usr/bin/python3 (the
// `python3` on PATH may be one without torch). Tests that need it pass `{ skip: torchSkip }` so they
// skip cleanly, with a message, when there is none.
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import path from "node:path";
import { repoRoot } from "./mitdb.js";

/** The PyTorch reference scripts. */
export const pytorchToolsDir = path.join(repoRoot, "tools", "pytorch");

const candidate = process.env["TORCH_PYTHON"] ?? "/usr/bin/python3";

function probeTorch(python: string): string | undefined {
  const r = spawnSync(python, ["-c", "import torch, numpy; print(torch.__version__)"], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The torch version found, or undefined. */
export const torchVersion: string | undefined = probeTorch(candidate);

/** The interpreter to run the reference scripts with, when it has torch. */
export const torchPython: string | undefined = torchVersion === undefined ? undefined : candidate;

export const torchSkip: string | false =
  torchPython === undefined
    ? `no Python with PyTorch at ${candidate} (set TORCH_PYTHON to an interpreter that can import torch and numpy)`
    : false;

/** Runs tools/pytorch/<script> with the torch Python; throws with its stderr when it fails (unless allowFailure). */
export function runPytorchTool(
  script: string,
  args: readonly string[],
  options: { allowFailure?: boolean; threads?: number } = {},
): SpawnSyncReturns<string> {
  if (torchPython === undefined) throw new Error(torchSkip || "no torch Python");
  const r = spawnSync(torchPython, [path.join(pytorchToolsDir, script), ...args], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    // keep the reference tests polite on shared machines; no .pyc files in the source tree
    env: { ...process.env, OMP_NUM_THREADS: String(options.threads ?? 1), PYTHONDONTWRITEBYTECODE: "1" },
  });
  if (r.error) throw r.error;
  if (r.status !== 0 && !options.allowFailure) {
    throw new Error(`${script} ${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
  }
  return r;
}
