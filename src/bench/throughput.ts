// Throughput of the real model: training steps (forward, focal loss, backward, AdaBound) and
// inference (eval mode, BatchNorm folded, no autograd), timed over repeated runs; medians reported.
import {
  checkDevice,
  type Device,
  manualSeed,
  noGrad,
  type ProcessGroup,
  setEngineKernelsEnabled,
  setNumThreads,
  Tensor,
  tidy,
} from "../engine/index.js";
import { type PresetName, presetConfig } from "../models/config.js";
import { foldBatchNorms } from "../models/fold.js";
import { SeedNet } from "../models/seed-net.js";
import { focalLoss, SEED_GAMMA } from "../nn/losses.js";
import { AdaBound } from "../nn/optim/index.js";
import { DataParallel, perRankBatch } from "../train/ddp.js";
import { BEAT_LENGTH, SEED_ALPHA } from "../vocabulary.js";

export type BenchMode = "train" | "infer";

export interface BenchOptions {
  mode: BenchMode;
  preset: PresetName;
  batch: number;
  steps: number;
  warmup: number;
  threads: number;
  /** Fold BatchNorm into the convolutions for inference (default on). */
  fold?: boolean;
  /** Use the engine's own kernels where it has them (default on; off: ATen's only). */
  engineKernels?: boolean;
  /** Train with the optimizer's fused native step (default on; off: its TypeScript step). */
  fusedOptimizer?: boolean;
  /** cpu (default) or cuda. */
  device?: Device;
}

export interface BenchResult {
  framework: string;
  mode: BenchMode;
  preset: string;
  batch: number;
  threads: number;
  device: Device;
  samplesPerSec: number;
  msPerStep: number;
}

/** A prepared benchmark: `run()` times `steps` steps and returns milliseconds per step. */
export interface PreparedBench {
  run(): number;
  dispose(): void;
}

/**
 * With a process group, this process is one rank of a data-parallel benchmark: opts.batch is the
 * global batch, each rank steps on its share with DDP's semantics, and a timed run starts and ends
 * at a barrier.
 */
export function prepareBench(opts: BenchOptions, group?: ProcessGroup): PreparedBench {
  const device = opts.device ?? "cpu";
  checkDevice(device);
  setNumThreads(opts.threads);
  setEngineKernelsEnabled(opts.engineKernels ?? true);
  manualSeed(0);
  const model = new SeedNet(presetConfig(opts.preset));
  model.to(device);
  const ddp = group && new DataParallel(group, model);
  const rows = group ? perRankBatch(opts.batch, group.size) : opts.batch;
  if (group) manualSeed(1 + group.rank);
  const beats = tidy(() => Tensor.rand([rows, 1, BEAT_LENGTH]).to(device));
  // A rhythm preset's features: positive, around 1 (R-R seconds and ratios).
  const features = model.config.rhythm ?? 0;
  const rhythm = features > 0 ? tidy(() => Tensor.rand([rows, features]).add(0.5).to(device)) : undefined;
  const labels = tidy(() =>
    Tensor.int64(Array.from({ length: rows }, (_, i) => i % model.config.classes)).to(device),
  );
  // Each step returns a small tensor made last; reading it back waits for the device's queue, so
  // a timed run on CUDA measures the work, not its launching.
  let step: () => Tensor;
  let cleanup = () => {};
  if (opts.mode === "train") {
    model.train();
    const optimizer = new AdaBound(model.parameters(), {
      lr: 1e-3,
      finalLr: 0.1,
      fused: opts.fusedOptimizer ?? true,
    });
    step = () =>
      tidy(() => {
        optimizer.zeroGrad();
        ddp?.beforeForward();
        const loss = focalLoss(model.forward(beats, rhythm), labels, {
          alpha: SEED_ALPHA,
          gamma: SEED_GAMMA,
        });
        loss.backward();
        ddp?.afterBackward();
        optimizer.step();
        return loss.detach();
      });
    cleanup = () => {
      optimizer.dispose();
      ddp?.dispose();
    };
  } else {
    model.eval();
    if (opts.fold ?? true) foldBatchNorms(model);
    step = () => tidy(() => noGrad(() => model.forward(beats, rhythm).softmax(1)));
  }
  const steps = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const last = step();
      if (i === n - 1) last.toFloat32Array();
      last.dispose();
    }
  };
  steps(opts.warmup);
  return {
    run() {
      group?.barrier();
      const t0 = performance.now();
      steps(opts.steps);
      group?.barrier();
      return (performance.now() - t0) / opts.steps;
    },
    dispose() {
      cleanup();
      model.dispose();
      beats.dispose();
      rhythm?.dispose();
      labels.dispose();
    },
  };
}

export function resultOf(opts: BenchOptions, framework: string, msPerStep: number): BenchResult {
  return {
    framework,
    mode: opts.mode,
    preset: opts.preset,
    batch: opts.batch,
    threads: opts.threads,
    device: opts.device ?? "cpu",
    samplesPerSec: (opts.batch * 1000) / msPerStep,
    msPerStep,
  };
}
