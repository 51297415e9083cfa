// The training loop: shuffled mini-batches from tensors held in memory, a stratified validation
// split carved from the training side, per-epoch metrics, the best checkpoint by validation
// macro-F1, and a resumable last checkpoint (model + optimizer + loop state in ONE atomically
// written file, so an interrupt at any moment leaves a consistent one behind). It writes into a run
// directory its caller owns (train-run.ts claims it); the files are those of src/run-dir/.
import { mkdirSync } from "node:fs";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { BeatSet } from "../dataset/beats.js";
import { loadSplit, selectBeats } from "../dataset/beats.js";
import { stratifiedSample, stratifiedSplit } from "../dataset/split.js";
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
import { SeedNet } from "../models/seed-net.js";
import { crossEntropy, focalLoss } from "../nn/losses.js";
import { AdaBound, Adam, AdamW, type Optimizer, scheduledLr } from "../nn/optim/index.js";
import { MetricsLog } from "../run-dir/metrics-log.js";
import type { DataConfig, EpochMetrics, LoopState } from "../run-dir/schema.js";
import { writeRunConfig } from "../run-dir/write.js";
import { BEAT_LENGTH, CLASS_NAMES, classCounts } from "../vocabulary.js";
import { DataParallel, perRankBatch } from "./ddp.js";
import { loadResumePoint, saveBestCheckpoint, saveLastCheckpoint } from "./last-checkpoint.js";
import type { TrainOptions } from "./options.js";
import { checkpointProvenance, dataConfig, runConfig } from "./run-config.js";
import { epochOrder, rankShard, shardLength } from "./sampler.js";

/** A file of the run committed to the disk: the metrics line, the last or the best checkpoint. */
export type RunCommit = "metrics" | "last" | "best";

export interface TrainHooks {
  onStart?(info: {
    /** The options the run goes with. */
    options: TrainOptions;
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
  /**
   * The data is loaded and split, nothing is written yet: the last moment to refuse (a throw ends the
   * run with the directory untouched).
   */
  onDataReady?(data: DataConfig): void;
  /** Something the user should know that is not progress (a repair made on resume). */
  onNote?(note: string): void;
  /** After each file of an epoch is committed, in the order they are (what a kill test stops at). */
  onCommit?(what: RunCommit, epoch: number): void;
}

export interface TrainResult {
  epochsDone: number;
  /** The run ended before its last epoch: asked to (shouldStop) or at a budget (--max-minutes, --max-steps). */
  stopped: boolean;
  stoppedBy?: "request" | "max-minutes" | "max-steps";
  best: { epoch: number; macroF1: number };
  history: EpochMetrics[];
}

/** Beats and labels as tensors on the training device, indexed per batch (no per-batch copies in JS). */
interface DeviceSet {
  x: Tensor; // (n, 1, BEAT_LENGTH)
  y: Tensor; // (n) int64
  labels: Uint8Array;
  count: number;
}

function toDeviceSet(set: BeatSet, rows: Int32Array, device: Device): DeviceSet {
  const { x, y: labels } = selectBeats(set, rows);
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

/** The beats training uses: all, or a stratified seeded sample of `limit` of them. */
function limitBeats(set: BeatSet, limit: number, seed: number): BeatSet {
  return limit <= 0 || limit >= set.count ? set : selectBeats(set, stratifiedSample(set.y, limit, seed));
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
      return new AdamW(params, { lr: opts.lr, weightDecay: opts.weightDecay });
  }
}

function lossFn(opts: TrainOptions): (logits: Tensor, y: Tensor) => Tensor {
  if (opts.loss === "ce") return crossEntropy;
  return (logits, y) =>
    focalLoss(logits, y, { alpha: opts.alpha, gamma: opts.gamma, detachModulating: !opts.fullFocal });
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

/** Whether the --max-minutes budget is spent at the end of `epoch` (and epochs remain). */
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
  if (isRank0) mkdirSync(opts.outDir, { recursive: true });
  const metricsLog = new MetricsLog(opts.outDir);
  const maxSteps = opts.maxSteps ?? 0;

  // Data: the training side (or a stratified seeded sample of it, --limit-beats), split (stratified,
  // seeded) into train and validation.
  const full = limitBeats(loadSplit(opts.dataDir, "train"), opts.limitBeats ?? 0, opts.seed);
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
  // A resumed run keeps its config.json (the caller records overrides in it); a new one writes it.
  const config = runConfig({ ...opts, processes: worldSize }, dataConfig(opts, counts));

  if (isRank0) hooks.onDataReady?.(config.data);
  if (opts.resume) {
    // Every rank loads the same last checkpoint; rank 0 alone repairs and rewrites the run's files.
    const point = loadResumePoint(opts.outDir, (note) => hooks.onNote?.(note), { repair: isRank0 });
    if (point) {
      model.dispose();
      model = point.model;
      if (opts.device !== "cpu") model.to(opts.device);
      optimizer.dispose();
      optimizer = makeOptimizer(opts, model);
      state = point.loop;
      point.restoreOptimizer(optimizer);
    }
    if (isRank0) {
      const resumed = metricsLog.resumeAt(state.epoch);
      history = resumed.history;
      if (resumed.dropped > 0)
        hooks.onNote?.(`${resumed.dropped} line(s) past the last checkpoint dropped from metrics.jsonl`);
    }
  } else if (isRank0) {
    writeRunConfig(opts.outDir, config);
    metricsLog.start();
  }
  // Every rank starts from rank 0's weights and buffers (the optimizer state is every rank's own
  // copy of the same: zeros, or the same checkpoint).
  const ddp = group && new DataParallel(group, model);

  hooks.onStart?.({
    options: opts,
    trainCount: trainSet.count,
    valCount: valSet.count,
    batchesPerEpoch,
    startEpoch: state.epoch + 1,
    params: model.parameterCount(),
  });
  let stoppedBy: TrainResult["stoppedBy"];
  const started = performance.now();

  model.train();
  for (let epoch = state.epoch + 1; epoch <= opts.epochs && !stoppedBy; epoch++) {
    if (maxSteps > 0 && state.step >= maxSteps) {
      stoppedBy = "max-steps";
      break;
    }
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
        stoppedBy = "request";
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
      // --max-steps ends the epoch here: validated and checkpointed like a whole one.
      if (maxSteps > 0 && state.step >= maxSteps) {
        if (b + 1 < batchesPerEpoch || epoch < opts.epochs) stoppedBy = "max-steps";
        break;
      }
      // Let signal handlers (Ctrl-C) run between batches.
      if (b % 8 === 7) await yieldToEventLoop();
    }
    if (stoppedBy === "request") break;
    if (ddp) [lossSum, correct, seen] = ddp.sums([lossSum, correct, seen]) as [number, number, number];
    if (ddp && !isRank0) {
      // Only rank 0 validates and writes; the others wait for it at the next collective.
      state = { ...state, epoch };
      if (!stoppedBy && ddp.anyRank(timeUp(opts, started, epoch))) stoppedBy = "max-minutes";
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
    // The line first (fsynced), then the last checkpoint (the epoch's commit point), then the best:
    // see last-checkpoint.ts for why this order survives a kill between any two.
    const provenance = checkpointProvenance(config, m);
    metricsLog.append(m);
    hooks.onCommit?.("metrics", epoch);
    saveLastCheckpoint(opts.outDir, model, optimizer, state, provenance);
    hooks.onCommit?.("last", epoch);
    if (isBest) {
      saveBestCheckpoint(opts.outDir, model, provenance);
      hooks.onCommit?.("best", epoch);
    }
    hooks.onEpoch?.(m, isBest);
    if (!stoppedBy) {
      const out = timeUp(opts, started, epoch);
      if (ddp ? ddp.anyRank(out) : out) stoppedBy = "max-minutes";
    }
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
    stopped: stoppedBy !== undefined,
    ...(stoppedBy && { stoppedBy }),
    best: { epoch: state.bestEpoch, macroF1: state.bestMacroF1 },
    history,
  };
}
