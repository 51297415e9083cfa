// The training loop: shuffled mini-batches from tensors held in memory, a stratified validation
// split carved from the training side, per-epoch metrics, the best checkpoint by validation
// macro-F1, and a resumable last checkpoint (model + optimizer + loop state in ONE atomically
// written file, so an interrupt at any moment leaves a consistent one behind).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { BeatSet } from "../dataset/beats.js";
import { CLASS_NAMES, classCounts, loadSplit } from "../dataset/beats.js";
import { stratifiedSplit } from "../dataset/split.js";
import {
  checkDevice,
  type Device,
  keep,
  manualSeed,
  noGrad,
  type ProcessGroup,
  setNumThreads,
  Tensor,
  tidy,
} from "../engine/index.js";
import { classificationReport, confusionMatrix } from "../eval/metrics.js";
import { loadCheckpoint, safeFromTensor, saveCheckpoint, tensorFromSafe } from "../models/checkpoint.js";
import { SeedNet } from "../models/seed-net.js";
import { crossEntropy, focalLoss } from "../nn/losses.js";
import { AdaBound, Adam, AdamW, type Optimizer, scheduledLr } from "../nn/optim/index.js";
import type { SafeTensor } from "../nn/safetensors.js";
import { PROJECT_VERSION } from "../version.js";
import { DataParallel, perRankBatch } from "./ddp.js";
import type { TrainOptions } from "./options.js";
import { epochOrder, rankShard, shardLength } from "./sampler.js";

export const BEAT_LENGTH = 187;
export const LAST_CHECKPOINT = "last.safetensors";
export const BEST_CHECKPOINT = "best.safetensors";
const OPTIM_PREFIX = "__optim__.";

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  valLoss: number;
  valAcc: number;
  valMacroF1: number;
  lr: number;
  seconds: number;
  samplesPerSec: number;
}

/** Where the loop stands; saved in the last checkpoint's metadata. */
interface LoopState {
  epoch: number;
  step: number;
  lr: number;
  bestMacroF1: number;
  bestEpoch: number;
}

export interface TrainHooks {
  onStart?(info: {
    trainCount: number;
    valCount: number;
    batchesPerEpoch: number;
    startEpoch: number;
    params: number;
  }): void;
  onBatch?(info: {
    epoch: number;
    batch: number;
    batches: number;
    loss: number;
    acc: number;
    lr: number;
  }): void;
  onEpoch?(m: EpochMetrics, isBest: boolean): void;
  /** Polled between batches; true stops the run before the next batch (the last checkpoint stays intact). */
  shouldStop?(): boolean;
}

export interface TrainResult {
  epochsDone: number;
  stopped: boolean;
  best: { epoch: number; macroF1: number };
  history: EpochMetrics[];
}

/** Beats and labels as tensors on the training device, indexed per batch (no per-batch copies in JS). */
interface DeviceSet {
  x: Tensor; // (n, 1, 187)
  y: Tensor; // (n) int64
  labels: Uint8Array;
  count: number;
}

function toDeviceSet(set: BeatSet, rows: Int32Array, device: Device): DeviceSet {
  const x = new Float32Array(rows.length * BEAT_LENGTH);
  const labels = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    x.set(set.x.subarray(r * BEAT_LENGTH, (r + 1) * BEAT_LENGTH), i * BEAT_LENGTH);
    labels[i] = set.y[r]!;
  });
  return tidy(() => {
    let xt = Tensor.fromArray(x, [rows.length, 1, BEAT_LENGTH]);
    let yt = Tensor.int64(labels);
    if (device !== "cpu") {
      xt = xt.to(device);
      yt = yt.to(device);
    }
    return { x: keep(xt), y: keep(yt), labels, count: rows.length };
  });
}

function makeOptimizer(opts: TrainOptions, model: SeedNet): Optimizer {
  const params = model.parameters();
  switch (opts.optimizer) {
    case "adabound":
    case "amsbound":
      return new AdaBound(params, {
        lr: opts.lr,
        finalLr: opts.finalLr,
        weightDecay: opts.weightDecay,
        amsbound: opts.optimizer === "amsbound",
      });
    case "adam":
      return new Adam(params, { lr: opts.lr, weightDecay: opts.weightDecay });
    case "adamw":
      return new AdamW(params, { lr: opts.lr, weightDecay: opts.weightDecay || 1e-2 });
  }
}

function lossFn(opts: TrainOptions): (logits: Tensor, y: Tensor) => Tensor {
  if (opts.loss === "ce") return crossEntropy;
  return (logits, y) =>
    focalLoss(logits, y, { alpha: opts.alpha, gamma: opts.gamma, detachModulating: !opts.fullFocal });
}

/** The run's config.json: what the report shows as provenance. */
function runConfig(
  opts: TrainOptions,
  counts: { train: number[]; val: number[]; test?: number[] },
  dataMeta: unknown,
) {
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  return {
    preset: opts.preset,
    model: opts.model,
    data: {
      dir: path.resolve(opts.dataDir),
      ...(typeof dataMeta === "object" && dataMeta !== null
        ? {
            split: (dataMeta as Record<string, unknown>)["split"],
            seed: (dataMeta as Record<string, unknown>)["seed"],
          }
        : {}),
      valFraction: opts.valFraction,
      train: sum(counts.train),
      val: sum(counts.val),
      ...(counts.test ? { test: sum(counts.test) } : {}),
      classCounts: counts,
    },
    optimizer: {
      name: opts.optimizer,
      lr: opts.lr,
      finalLr: opts.finalLr,
      weightDecay: opts.weightDecay,
      schedule: opts.schedule,
      warmupEpochs: opts.warmupEpochs,
    },
    loss:
      opts.loss === "focal"
        ? { name: "focal", gamma: opts.gamma, alpha: opts.alpha, detachModulating: !opts.fullFocal }
        : { name: "ce" },
    epochs: opts.epochs,
    batch: opts.batch,
    seed: opts.seed,
    device: opts.device,
    threads: opts.threads,
    version: PROJECT_VERSION,
    startedAt: new Date().toISOString(),
  };
}

function readDataMeta(dir: string): unknown {
  const f = path.join(dir, "mitbih_dataset.json");
  if (!existsSync(f)) return { split: "external CSV" };
  try {
    return JSON.parse(readFileSync(f, "utf8"));
  } catch {
    return undefined;
  }
}

/** Validation pass: mean loss, accuracy, macro-F1 (eval mode, no autograd). */
function validate(
  model: SeedNet,
  set: DeviceSet,
  loss: (l: Tensor, y: Tensor) => Tensor,
  classes: number,
): { loss: number; acc: number; macroF1: number } {
  model.eval();
  const predicted = new Uint8Array(set.count);
  let lossSum = 0;
  noGrad(() => {
    for (let start = 0; start < set.count; start += 1024) {
      const n = Math.min(1024, set.count - start);
      tidy(() => {
        const logits = model.forward(set.x.narrow(0, start, n));
        lossSum += loss(logits, set.y.narrow(0, start, n)).item() * n;
        const p = logits.argmax(1).toNumbers();
        for (let i = 0; i < n; i++) predicted[start + i] = p[i]!;
      });
    }
  });
  model.train();
  const report = classificationReport(
    confusionMatrix(set.labels, predicted, classes),
    CLASS_NAMES.slice(0, classes),
  );
  return { loss: lossSum / Math.max(1, set.count), acc: report.accuracy, macroF1: report.macroF1 };
}

function saveLast(
  file: string,
  model: SeedNet,
  optimizer: Optimizer,
  state: LoopState,
  provenance: Record<string, unknown>,
): void {
  const extras = new Map<string, SafeTensor>();
  for (const [k, t] of optimizer.stateDict()) extras.set(OPTIM_PREFIX + k, safeFromTensor(t));
  saveCheckpoint(file, model, { provenance: { ...provenance, loop: state }, extras });
}

/** Whether the --max-minutes budget is spent at the end of epoch (and epochs remain). */
function timeUp(opts: TrainOptions, started: number, epoch: number): boolean {
  return (
    opts.maxMinutes > 0 && (performance.now() - started) / 60000 >= opts.maxMinutes && epoch < opts.epochs
  );
}

/**
 * Trains opts.model. With a process group, this process is one rank of a data-parallel run
 * (src/train/ddp.ts): opts.batch is the global batch, each rank trains on its shard, and only rank 0
 * validates and writes the run directory; the others return without a best epoch.
 */
export async function train(
  opts: TrainOptions,
  hooks: TrainHooks = {},
  group?: ProcessGroup,
): Promise<TrainResult> {
  checkDevice(opts.device);
  setNumThreads(opts.threads);
  const rank = group?.rank ?? 0;
  const worldSize = group?.size ?? 1;
  const isRank0 = rank === 0;
  const batch = perRankBatch(opts.batch, worldSize);
  mkdirSync(opts.outDir, { recursive: true });
  const lastFile = path.join(opts.outDir, LAST_CHECKPOINT);
  const bestFile = path.join(opts.outDir, BEST_CHECKPOINT);
  const metricsFile = path.join(opts.outDir, "metrics.jsonl");
  const configFile = path.join(opts.outDir, "config.json");

  // Data: the training side, split (stratified, seeded) into train and validation.
  const full = loadSplit(opts.dataDir, "train");
  const { train: trainRows, test: valRows } = stratifiedSplit(full.y, opts.valFraction, opts.seed);
  const trainSet = toDeviceSet(full, trainRows, opts.device);
  const valSet = toDeviceSet(full, valRows, opts.device);
  const classes = opts.model.classes;

  manualSeed(opts.seed);
  let model = new SeedNet(opts.model);
  if (opts.device !== "cpu") model.to(opts.device);
  let optimizer = makeOptimizer(opts, model);
  const loss = lossFn(opts);
  const batchesPerEpoch = Math.ceil(shardLength(trainSet.count, worldSize) / batch);
  const totalSteps = batchesPerEpoch * opts.epochs;
  const schedule = { name: opts.schedule, totalSteps, warmupSteps: opts.warmupEpochs * batchesPerEpoch };

  let state: LoopState = { epoch: 0, step: 0, lr: opts.lr, bestMacroF1: -1, bestEpoch: 0 };
  let history: EpochMetrics[] = [];
  const counts = { train: classCounts(trainSet.labels), val: classCounts(valSet.labels) };
  const config = {
    ...runConfig(opts, counts, readDataMeta(opts.dataDir)),
    ...(worldSize > 1 ? { processes: worldSize } : {}),
  };

  if (opts.resume && existsSync(lastFile)) {
    const loaded = loadCheckpoint(lastFile);
    model.dispose();
    model = loaded.model;
    if (opts.device !== "cpu") model.to(opts.device);
    optimizer.dispose();
    optimizer = makeOptimizer(opts, model);
    const loop = (loaded.info.provenance?.["loop"] ?? undefined) as LoopState | undefined;
    if (!loop) throw new Error(`${lastFile}: no loop state to resume from`);
    state = loop;
    tidy(() => {
      const optimState = new Map<string, Tensor>();
      for (const [k, v] of loaded.info.extras)
        if (k.startsWith(OPTIM_PREFIX)) optimState.set(k.slice(OPTIM_PREFIX.length), tensorFromSafe(v));
      optimizer.loadStateDict(optimState, state.step, state.lr);
    });
    if (existsSync(metricsFile)) {
      history = readFileSync(metricsFile, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as EpochMetrics)
        .filter((m) => m.epoch <= state.epoch);
    }
  } else if (isRank0) {
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  }
  if (isRank0) writeFileSync(metricsFile, history.map((m) => `${JSON.stringify(m)}\n`).join(""));
  // Every rank starts from rank 0's weights and buffers (the optimizer state is every rank's own
  // copy of the same: zeros, or the same checkpoint).
  const ddp = group && new DataParallel(group, model);

  hooks.onStart?.({
    trainCount: trainSet.count,
    valCount: valSet.count,
    batchesPerEpoch,
    startEpoch: state.epoch + 1,
    params: model.parameterCount(),
  });
  const provenance = {
    config: {
      preset: opts.preset,
      data: config.data,
      optimizer: config.optimizer,
      loss: config.loss,
      batch: opts.batch,
      seed: opts.seed,
    },
  };
  let stopped = false;
  const started = performance.now();

  model.train();
  for (let epoch = state.epoch + 1; epoch <= opts.epochs && !stopped; epoch++) {
    const t0 = performance.now();
    // Seeds per epoch, so a resumed run draws the same shuffles and dropout masks as an uninterrupted
    // one; dropout's per rank, so that ranks do not draw the same masks.
    manualSeed(opts.seed * 1009 + epoch + rank * 104_729);
    const order = rankShard(epochOrder(trainSet.count, opts.seed, epoch), rank, worldSize);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let b = 0; b < batchesPerEpoch; b++) {
      const stop = hooks.shouldStop?.() ?? false;
      if (ddp ? ddp.anyRank(stop) : stop) {
        stopped = true;
        break;
      }
      const rows = order.subarray(b * batch, Math.min(order.length, (b + 1) * batch));
      optimizer.lr = scheduledLr(opts.lr, state.step, schedule);
      const [l, c] = tidy(() => {
        let idx = Tensor.int64(rows);
        if (opts.device !== "cpu") idx = idx.to(opts.device);
        const xb = trainSet.x.indexSelect(0, idx);
        const yb = trainSet.y.indexSelect(0, idx);
        optimizer.zeroGrad();
        ddp?.beforeForward();
        const logits = model.forward(xb);
        const lv = loss(logits, yb);
        lv.backward();
        ddp?.afterBackward();
        optimizer.step();
        return [lv.item(), logits.argmax(1).eq(yb).sum().item()];
      });
      state.step++;
      lossSum += l * rows.length;
      correct += c;
      seen += rows.length;
      hooks.onBatch?.({
        epoch,
        batch: b + 1,
        batches: batchesPerEpoch,
        loss: lossSum / seen,
        acc: correct / seen,
        lr: optimizer.lr,
      });
      // Let signal handlers (Ctrl-C) run between batches.
      if (b % 8 === 7) await yieldToEventLoop();
    }
    if (stopped) break;
    if (ddp) [lossSum, correct, seen] = ddp.sums([lossSum, correct, seen]) as [number, number, number];
    if (ddp && !isRank0) {
      // Only rank 0 validates and writes; the others wait for it at the next collective.
      state = { ...state, epoch };
      if (ddp.anyRank(timeUp(opts, started, epoch))) stopped = true;
      continue;
    }
    const val = validate(model, valSet, loss, classes);
    const seconds = (performance.now() - t0) / 1000;
    const m: EpochMetrics = {
      epoch,
      trainLoss: lossSum / seen,
      trainAcc: correct / seen,
      valLoss: val.loss,
      valAcc: val.acc,
      valMacroF1: val.macroF1,
      lr: optimizer.lr,
      seconds,
      samplesPerSec: seen / seconds,
    };
    history.push(m);
    // Model selection by macro-F1, not accuracy: with ~83 % of beats N, accuracy rewards a model
    // that neglects the rare classes (S, F) the application cares about.
    const isBest = val.macroF1 > state.bestMacroF1;
    state = {
      ...state,
      epoch,
      lr: optimizer.lr,
      ...(isBest ? { bestMacroF1: val.macroF1, bestEpoch: epoch } : {}),
    };
    const metricsProvenance = {
      ...provenance,
      epochs: epoch,
      version: PROJECT_VERSION,
      metrics: { valAcc: val.acc, valMacroF1: val.macroF1, valLoss: val.loss },
    };
    if (isBest) saveCheckpoint(bestFile, model, { provenance: metricsProvenance });
    saveLast(lastFile, model, optimizer, state, metricsProvenance);
    writeFileSync(metricsFile, `${JSON.stringify(m)}\n`, { flag: "a" });
    hooks.onEpoch?.(m, isBest);
    const out = timeUp(opts, started, epoch);
    if (ddp ? ddp.anyRank(out) : out) stopped = true;
  }

  ddp?.dispose();
  model.dispose();
  optimizer.dispose();
  for (const s of [trainSet, valSet]) {
    s.x.dispose();
    s.y.dispose();
  }
  return {
    epochsDone: state.epoch,
    stopped,
    best: { epoch: state.bestEpoch, macroF1: state.bestMacroF1 },
    history,
  };
}
