// Runs our benchmark and, optionally, PyTorch's, alternating rounds so both see the same machine
// load; reports medians and the ratio (ours / PyTorch's samples per second).

import { median } from "../signal/median.js";
import { pytorchDdpMsPerStep, pytorchMsPerStep, torchPython } from "./pytorch.js";
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

/** `ecg bench train --nproc N`: our data-parallel training beside PyTorch's, and one process of each. */
export interface DataParallelSideBySide {
  nproc: number;
  /** Threads per process. */
  threads: number;
  /** Ours, nproc processes × threads (global batch). */
  ours: BenchResult & { msPerStepRuns: number[] };
  /** Ours, one process with nproc × threads threads. */
  oursOneProcess: BenchResult & { msPerStepRuns: number[] };
  /** PyTorch's DistributedDataParallel, nproc processes × threads, Gloo. */
  pytorchDdp?: BenchResult & { msPerStepRuns: number[] };
  /** PyTorch, one process with nproc × threads threads. */
  pytorchOneProcess?: BenchResult & { msPerStepRuns: number[] };
  /** ours / pytorchDdp samples per second. */
  ratioVsPytorchDdp?: number;
  /** ours / pytorchOneProcess samples per second. */
  ratioVsPytorchOneProcess?: number;
}

/**
 * Rounds alternate (ours on nproc processes, ours on one, PyTorch DDP, PyTorch on one), so all see
 * the same machine load; medians are reported. runOurs starts our workers for one timed run and
 * returns its milliseconds per step (a new set of processes each round, as PyTorch's).
 */
export async function benchDataParallelSideBySide(
  opts: BenchOptions,
  nproc: number,
  rounds: number,
  withPytorch: boolean,
  runOurs: () => Promise<number>,
  onRound?: (r: number) => void,
): Promise<DataParallelSideBySide> {
  const python = withPytorch ? torchPython() : undefined;
  if (withPytorch && !python)
    throw new Error(
      "--pytorch: no python with torch found (apt-get install python3-torch, or set TORCH_PYTHON)",
    );
  const oneProcess = { ...opts, threads: opts.threads * nproc };
  const runs = { ours: [] as number[], oursOne: [] as number[], ddp: [] as number[], one: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    runs.ours.push(await runOurs());
    const bench = prepareBench(oneProcess);
    try {
      runs.oursOne.push(bench.run());
    } finally {
      bench.dispose();
    }
    if (python) {
      runs.ddp.push(pytorchDdpMsPerStep(python, opts, nproc));
      runs.one.push(pytorchMsPerStep(python, oneProcess));
    }
    onRound?.(r + 1);
  }
  const label = `${nproc} processes × ${opts.threads} threads`;
  const result: DataParallelSideBySide = {
    nproc,
    threads: opts.threads,
    ours: { ...resultOf(opts, `ecg-beats, ${label}`, median(runs.ours)), msPerStepRuns: runs.ours },
    oursOneProcess: {
      ...resultOf(oneProcess, "ecg-beats, 1 process", median(runs.oursOne)),
      msPerStepRuns: runs.oursOne,
    },
  };
  if (python) {
    result.pytorchDdp = {
      ...resultOf(opts, `pytorch DDP, ${label}`, median(runs.ddp)),
      msPerStepRuns: runs.ddp,
    };
    result.pytorchOneProcess = {
      ...resultOf(oneProcess, "pytorch, 1 process", median(runs.one)),
      msPerStepRuns: runs.one,
    };
    result.ratioVsPytorchDdp = result.ours.samplesPerSec / result.pytorchDdp.samplesPerSec;
    result.ratioVsPytorchOneProcess = result.ours.samplesPerSec / result.pytorchOneProcess.samplesPerSec;
  }
  return result;
}
