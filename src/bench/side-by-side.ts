// Runs our benchmark and, optionally, PyTorch's, alternating rounds so both see the same machine
// load; reports medians and the ratio (ours / PyTorch's samples per second).

import { median } from "../signal/median.js";
import { pytorchMsPerStep, torchPython } from "./pytorch.js";
import { type BenchOptions, type BenchResult, prepareBench, resultOf } from "./throughput.js";

export interface SideBySide {
  ours: BenchResult & { msPerStepRuns: number[] };
  pytorch?: BenchResult & { msPerStepRuns: number[] };
  /** ours.samplesPerSec / pytorch.samplesPerSec. */
  ratio?: number;
  torchVersion?: string;
}

export function benchSideBySide(
  opts: BenchOptions,
  rounds: number,
  withPytorch: boolean,
  onRound?: (r: number) => void,
): SideBySide {
  const python = withPytorch ? torchPython() : undefined;
  if (withPytorch && !python)
    throw new Error(
      "--pytorch: no python with torch found (apt-get install python3-torch, or set TORCH_PYTHON)",
    );
  const bench = prepareBench(opts);
  const ours: number[] = [];
  const theirs: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      ours.push(bench.run());
      if (python) theirs.push(pytorchMsPerStep(python, opts));
      onRound?.(r + 1);
    }
  } finally {
    bench.dispose();
  }
  const result: SideBySide = {
    ours: { ...resultOf(opts, "ecg-beats (libtorch)", median(ours)), msPerStepRuns: ours },
  };
  if (python) {
    result.pytorch = { ...resultOf(opts, "pytorch", median(theirs)), msPerStepRuns: theirs };
    result.ratio = result.ours.samplesPerSec / result.pytorch.samplesPerSec;
  }
  return result;
}
