// The training loop: mini-batches from tensors held in memory (shuffled, or class-balanced; augmented
// on the fly when asked), a validation split carved from the training side (by record for
// inter-patient data: src/train/training-data.ts), per-epoch metrics, the best checkpoint by a
// validation score (macro-F1, or the S and V F1), and a resumable last checkpoint (model + optimizer
// + loop state in ONE atomically written file, so an interrupt at any moment leaves a consistent one
// behind). It writes into a run
// directory its caller owns (train-run.ts claims it); the files are those of src/run-dir/.
import { mkdirSync } from "node:fs";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { subtractTemplates } from "../dataset/beat-template.js";
import type { BeatSet } from "../dataset/beats.js";
import { selectBeats } from "../dataset/beats.js";
import { gatherRows } from "../dataset/gather-rows.js";
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
import type { DataConfig, EpochMetrics, LoopState, SelectName, SePpv } from "../run-dir/schema.js";
import { writeRunConfig } from "../run-dir/write.js";
import { BEAT_LENGTH, CLASS_NAMES, classCounts } from "../vocabulary.js";
import { ADVERSARY_PREFIX, patientIds, SubjectAdversary } from "./adversary.js";
import { augmentBatch, batchRandom, isAugmenting } from "./augment.js";
import { DataParallel, perRankBatch } from "./ddp.js";
import { loadResumePoint, saveBestCheckpoint, saveLastCheckpoint } from "./last-checkpoint.js";
import type { TrainOptions } from "./options.js";
import { checkpointProvenance, dataConfig, runConfig } from "./run-config.js";
import { epochOrder, rankShard, shardLength } from "./sampler.js";
import { loadTrainingData, type TrainingData } from "./training-data.js";

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
    /** Records held out for validation (a record split). */
    valRecords: string[] | undefined;
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
  /** score: the validation score that selected it (the run's `select`). */
  best: { epoch: number; score: number };
  history: EpochMetrics[];
}

/**
 * Beats (as the model takes them), rhythm features and labels as tensors on the training device,
 * indexed per batch (no per-batch copies in JS); and on the host, as cut, for batches that are
 * augmented (a copy per batch, the template subtracted after augmenting).
 */
interface DeviceSet {
  x: Tensor; // (n, 1, BEAT_LENGTH)
  r: Tensor | undefined; // (n, features)
  y: Tensor; // (n) int64
  /** Each row's training patient (int64), for subject-adversarial training. */
  patients: Tensor | undefined;
  host: BeatSet;
  /** Each row's record template, for a model on relative beats. */
  hostT: Float32Array | undefined;
  labels: Uint8Array;
  count: number;
}

/** The rows `rows` of `set`, with their templates' rows (`templates`: one per row of `set`). */
function toDeviceSet(
  set: BeatSet,
  rows: Int32Array,
  device: Device,
  features: number,
  templates: Float32Array | undefined,
  patients?: Int32Array,
): DeviceSet {
  const host = selectBeats(set, rows);
  const hostT = templates && gatherRows(templates, rows, BEAT_LENGTH);
  return tidy(() => {
    const { xt, rt, yt } = uploadBatch(host.x, features > 0 ? host.rhythm : undefined, hostT, host.y, device);
    const pt = patients && (device === "cpu" ? Tensor.int64(patients) : Tensor.int64(patients).to(device));
    return {
      x: keep(xt),
      r: rt && keep(rt),
      y: keep(yt),
      patients: pt && keep(pt),
      host,
      hostT,
      labels: host.y,
      count: rows.length,
    };
  });
}

/** Beats (minus their templates, if given), rhythm features and labels as tensors on `device`. */
function uploadBatch(
  x: Float32Array,
  rhythm: Float32Array | undefined,
  templates: Float32Array | undefined,
  labels: Uint8Array,
  device: Device,
): { xt: Tensor; rt: Tensor | undefined; yt: Tensor } {
  const n = labels.length;
  let xt = Tensor.fromArray(templates ? subtractTemplates(x, templates) : x, [n, 1, BEAT_LENGTH]);
  let rt = rhythm && Tensor.fromArray(rhythm, [n, rhythm.length / n]);
  let yt = Tensor.int64(labels);
  if (device !== "cpu") {
    xt = xt.to(device);
    rt = rt?.to(device);
    yt = yt.to(device);
  }
  return { xt, rt, yt };
}

/**
 * One batch's inputs: indexed on the device; or, augmenting, gathered on the host, augmented with the
 * draws of `random`, and uploaded.
 */
function batchInputs(
  set: DeviceSet,
  rows: Int32Array,
  opts: TrainOptions,
  random: () => ReturnType<typeof batchRandom>,
): { x: Tensor; r: Tensor | undefined; y: Tensor; p: Tensor | undefined } {
  const augmenting = isAugmenting(opts.augment);
  // The rows' index on the device: for indexing there, unless the batch is built on the host without patients.
  let idx: Tensor | undefined;
  if (!augmenting || set.patients) {
    idx = Tensor.int64(rows);
    if (opts.device !== "cpu") idx = idx.to(opts.device);
  }
  const p = idx && set.patients?.indexSelect(0, idx);
  if (!augmenting && idx) {
    return { x: set.x.indexSelect(0, idx), r: set.r?.indexSelect(0, idx), y: set.y.indexSelect(0, idx), p };
  }
  const batch = selectBeats(set.host, rows);
  const rhythm = set.r ? batch.rhythm : undefined;
  augmentBatch(batch.x, batch.count, rhythm, random(), opts.augment, batch.y);
  const t = set.hostT && gatherRows(set.hostT, rows, BEAT_LENGTH);
  const { xt, rt, yt } = uploadBatch(batch.x, rhythm, t, batch.y, opts.device);
  return { x: xt, r: rt, y: yt, p };
}

function makeOptimizer(opts: TrainOptions, model: SeedNet, adversary?: SubjectAdversary): Optimizer {
  const params = [...model.parameters(), ...(adversary?.parameters() ?? [])];
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

interface Validation {
  loss: number;
  acc: number;
  macroF1: number;
  /** What selects the best epoch (the run's `select`). */
  score: number;
  s: SePpv;
  v: SePpv;
}

/** Validation pass: mean loss, accuracy, macro-F1, the S and V figures, the selection score. */
function validate(
  model: SeedNet,
  set: DeviceSet,
  loss: (l: Tensor, y: Tensor) => Tensor,
  classes: number,
  select: SelectName,
): Validation {
  model.eval();
  const predicted = new Uint8Array(set.count);
  let lossSum = 0;
  noGrad(() => {
    for (let start = 0; start < set.count; start += 1024) {
      const n = Math.min(1024, set.count - start);
      tidy(() => {
        const logits = model.forward(set.x.narrow(0, start, n), set.r?.narrow(0, start, n));
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
  const of = (name: string) => {
    const m = report.perClass.find((c) => c.class === name);
    return { se: m?.sensitivity ?? 0, ppv: m?.precision ?? 0, f1: m?.f1 ?? 0 };
  };
  const s = of("S");
  const v = of("V");
  return {
    loss: lossSum / Math.max(1, set.count),
    acc: report.accuracy,
    macroF1: report.macroF1,
    score: select === "sv-f1" ? (s.f1 + v.f1) / 2 : report.macroF1,
    s: { se: s.se, ppv: s.ppv },
    v: { se: v.se, ppv: v.ppv },
  };
}

/** Whether the --max-minutes budget is spent at the end of `epoch` (and epochs remain). */
function timeUp(opts: TrainOptions, started: number, epoch: number): boolean {
  return (
    opts.maxMinutes > 0 && (performance.now() - started) / 60000 >= opts.maxMinutes && epoch < opts.epochs
  );
}

/** Loads the dataset's training side, splits off validation, and trains (trainOn). */
export async function train(
  opts: TrainOptions,
  hooks: TrainHooks = {},
  group?: ProcessGroup,
): Promise<TrainResult> {
  checkDevice(opts.device);
  return trainOn(loadTrainingData(opts), opts, hooks, group);
}

/**
 * Trains opts.model on split data (what train() loads; tests may give their own). With a process
 * group, this process is one rank of a data-parallel run (src/train/ddp.ts): opts.batch is the global
 * batch, each rank trains on its shard, and only rank 0 validates and writes the run directory; the
 * others return without a best epoch.
 */
export async function trainOn(
  data: TrainingData,
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

  const features = opts.model.rhythm ?? 0;
  // Subject-adversarial training learns each training beat's patient (loadTrainingData refuses data without).
  const patients = opts.adversary > 0 ? patientIds(data.set.records!, data.train) : undefined;
  const trainSet = toDeviceSet(data.set, data.train, opts.device, features, data.templates, patients?.ids);
  const valSet = toDeviceSet(data.set, data.val, opts.device, features, data.templates);
  const classes = opts.model.classes;
  const order = (epoch: number) => epochOrder(trainSet.labels, opts.seed, epoch, opts.balance);

  manualSeed(opts.seed);
  let model = new SeedNet(opts.model);
  if (opts.device !== "cpu") model.to(opts.device);
  const adversary = patients && new SubjectAdversary(32 * opts.model.dim, patients.count);
  if (adversary && opts.device !== "cpu") adversary.to(opts.device);
  let optimizer = makeOptimizer(opts, model, adversary);
  const loss = lossFn(opts);
  // A balanced epoch has as many draws as beats, less what the repeat cap leaves out: ask for its size.
  const batchesPerEpoch = Math.ceil(shardLength(order(1).length, worldSize) / batch);
  const totalSteps = batchesPerEpoch * opts.epochs;
  const schedule = { name: opts.schedule, totalSteps, warmupSteps: opts.warmupEpochs * batchesPerEpoch };

  let state: LoopState = { epoch: 0, step: 0, lr: opts.lr, bestMacroF1: -1, bestEpoch: 0 };
  let history: EpochMetrics[] = [];
  const counts = { train: classCounts(trainSet.labels), val: classCounts(valSet.labels) };
  // A resumed run keeps its config.json (the caller records overrides in it); a new one writes it.
  const config = runConfig({ ...opts, processes: worldSize }, dataConfig(opts, data, counts));

  if (isRank0) hooks.onDataReady?.(config.data);
  if (opts.resume) {
    // Every rank loads the same last checkpoint; rank 0 alone repairs and rewrites the run's files.
    const point = loadResumePoint(opts.outDir, (note) => hooks.onNote?.(note), { repair: isRank0 });
    if (point) {
      model.dispose();
      model = point.model;
      if (opts.device !== "cpu") model.to(opts.device);
      optimizer.dispose();
      optimizer = makeOptimizer(opts, model, adversary);
      state = point.loop;
      point.restoreOptimizer(optimizer);
      if (adversary) point.restoreModule(ADVERSARY_PREFIX, adversary);
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
    valRecords: data.valRecords,
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
    const rows = rankShard(order(epoch), rank, worldSize);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let b = 0; b < batchesPerEpoch; b++) {
      const stop = hooks.shouldStop?.() ?? false;
      if (ddp ? ddp.anyRank(stop) : stop) {
        stoppedBy = "request";
        break;
      }
      const batchRows = rows.subarray(b * batch, Math.min(rows.length, (b + 1) * batch));
      optimizer.lr = scheduledLr(opts.lr, state.step, schedule);
      const [l, c] = tidy(() => {
        // Each rank draws its own augmentation (one rank: the draws of batch b).
        const random = () => batchRandom(opts.seed, epoch, b * worldSize + rank);
        const { x: xb, r: rb, y: yb, p: pb } = batchInputs(trainSet, batchRows, opts, random);
        optimizer.zeroGrad();
        ddp?.beforeForward();
        const { logits, pooled } = model.forwardWithFeatures(xb, rb);
        const lv = loss(logits, yb);
        // The class loss, plus the adversary's patient loss, whose gradient reaches the network reversed.
        const total =
          adversary && pb ? lv.add(crossEntropy(adversary.forward(pooled), pb).mul(opts.adversary)) : lv;
        total.backward();
        ddp?.afterBackward();
        optimizer.step();
        return [lv.item(), logits.argmax(1).eq(yb).sum().item()];
      });
      state.step++;
      lossSum += l * batchRows.length;
      correct += c;
      seen += batchRows.length;
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
    const val = validate(model, valSet, loss, classes, opts.select);
    const seconds = (performance.now() - t0) / 1000;
    const m: EpochMetrics = {
      epoch,
      trainLoss: lossSum / seen,
      trainAcc: correct / seen,
      valLoss: val.loss,
      valAcc: val.acc,
      valMacroF1: val.macroF1,
      valScore: val.score,
      valS: val.s,
      valV: val.v,
      lr: optimizer.lr,
      seconds,
      samplesPerSec: seen / seconds,
    };
    history.push(m);
    // Model selection by macro-F1 (or the S and V F1), not accuracy: with ~83 % of beats N, accuracy
    // rewards a model that neglects the rare classes (S, F) the application cares about.
    const isBest = val.score > state.bestMacroF1;
    state = {
      ...state,
      epoch,
      lr: optimizer.lr,
      ...(isBest ? { bestMacroF1: val.score, bestEpoch: epoch } : {}),
    };
    // The line first (fsynced), then the last checkpoint (the epoch's commit point), then the best:
    // see last-checkpoint.ts for why this order survives a kill between any two.
    const provenance = checkpointProvenance(config, m);
    metricsLog.append(m);
    hooks.onCommit?.("metrics", epoch);
    saveLastCheckpoint(
      opts.outDir,
      model,
      optimizer,
      state,
      provenance,
      adversary && { [ADVERSARY_PREFIX]: adversary },
    );
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
  adversary?.dispose();
  model.dispose();
  optimizer.dispose();
  for (const s of [trainSet, valSet]) {
    s.x.dispose();
    s.r?.dispose();
    s.y.dispose();
    s.patients?.dispose();
  }
  return {
    epochsDone: state.epoch,
    stopped: stoppedBy !== undefined,
    ...(stoppedBy && { stoppedBy }),
    best: { epoch: state.bestEpoch, score: state.bestMacroF1 },
    history,
  };
}
