// The cost of one tiny operation (add a scalar to a 1-element tensor), i.e. the binding's per-call
// overhead: ours (JS → N-API → ATen, a handle per result, freed by tidy) against PyTorch's Python API.
import { spawnSync } from "node:child_process";
import { Tensor, tidy } from "../engine/index.js";
import { median } from "../signal/median.js";
import { torchPython } from "./pytorch.js";

export interface OpOverhead {
  oursMicros: number;
  pytorchMicros?: number;
  /** ours / PyTorch's time per op (below 1: faster). */
  ratio?: number;
  calls: number;
}

function oursOnce(calls: number): number {
  const a = Tensor.ones([1]);
  const chunk = 1000;
  const t0 = performance.now();
  for (let done = 0; done < calls; done += chunk) {
    tidy(() => {
      for (let i = 0; i < chunk; i++) a.add(1);
    });
  }
  const micros = ((performance.now() - t0) * 1000) / calls;
  a.dispose();
  return micros;
}

function pytorchOnce(python: string, calls: number): number {
  const code = `import torch, timeit; a = torch.ones(1); print(timeit.timeit(lambda: a.add(1), number=${calls}) * 1e6 / ${calls})`;
  const r = spawnSync(python, ["-c", code], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`PyTorch op benchmark failed: ${r.stderr.trim().split("\n").pop()}`);
  return Number(r.stdout.trim());
}

export function measureOpOverhead(calls: number, rounds: number, withPytorch: boolean): OpOverhead {
  const python = withPytorch ? torchPython() : undefined;
  oursOnce(Math.min(calls, 10_000)); // warm-up
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    ours.push(oursOnce(calls));
    if (python) theirs.push(pytorchOnce(python, calls));
  }
  const result: OpOverhead = { oursMicros: median(ours), calls };
  if (python) {
    result.pytorchMicros = median(theirs);
    result.ratio = result.oursMicros / result.pytorchMicros;
  }
  return result;
}
