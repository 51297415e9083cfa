// The training loop: mini-batches from tensors held in memory (shuffled, or class-balanced; augmented
// on the fly when asked: device-set.ts), a validation split carved from the training side (by record
// for inter-patient data: training-data.ts), per-epoch metrics (validation.ts), the best checkpoint by
// a validation score (macro-F1, or the S and V F1), and a resumable last checkpoint (model + optimizer
// + loop state in ONE atomically written file, so an interrupt at any moment leaves a consistent one
// behind: last-checkpoint.ts). It writes into a run directory its caller owns (train-run.ts claims
// it); the files are those of src/run-dir/. In steps: set-up (what the run holds, released at the
// end whatever happens), resume or a fresh start, one epoch, its validation, its commit.
import { mkdirSync } from "node:fs";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import {
  checkDevice,
  manualSeed,
  type ProcessGroup,
  setNumThreads,
  type Tensor,
  tidy,
} from "../engine/index.js";
import { SeedNet } from "../models/seed-net.js";
import { clipGradNorm } from "../nn/clip-grad.js";
import { crossEntropy, focalLoss } from "../nn/losses.js";
import { AdaBound, Adam, AdamW, type Optimizer, scheduledLr } from "../nn/optim/index.js";
import { MetricsLog } from "../run-dir/metrics-log.js";
import type { DataConfig, EpochMetrics, LoopState, RunConfig } from "../run-dir/schema.js";
import { writeRunConfig } from "../run-dir/write.js";
import { classCounts } from "../vocabulary.js";
import { ADVERSARY_PREFIX, patientIds, SubjectAdversary } from "./adversary.js";
import { batchRandom } from "./augment.js";
import { DataParallel, perRankBatch } from "./ddp.js";
import { batchInputs, type DeviceSet, disposeDeviceSet, toDeviceSet } from "./device-set.js";
import {
  openResumePoint,
  type ResumePoint,
  saveBestCheckpoint,
  saveLastCheckpoint,
} from "./last-checkpoint.js";
import type { TrainOptions } from "./options.js";
import { checkpointProvenance, dataConfig, runConfig } from "./run-config.js";
import { epochOrder, rankShard, shardLength } from "./sampler.js";
import { loadTrainingData, type TrainingData } from "./training-data.js";
import { validate } from "./validation.js";

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

/** Whether the --max-minutes budget is spent at the end of `epoch` (and epochs remain). */
function timeUp(opts: TrainOptions, started: number, epoch: number): boolean {
  return (
    opts.maxMinutes > 0 && (performance.now() - started) / 60000 >= opts.maxMinutes && epoch < opts.epochs
  );
}

/** What a training holds while it runs (device tensors, the model, its optimizer, the reducer). */
interface Session {
  readonly opts: TrainOptions;
  readonly rank: number;
  readonly worldSize: number;
  /** Rows per rank and step. */
  readonly batch: number;
  readonly trainSet: DeviceSet;
  readonly valSet: DeviceSet;
  readonly model: SeedNet;
  readonly adversary: SubjectAdversary | undefined;
  readonly optimizer: Optimizer;
  readonly loss: (logits: Tensor, y: Tensor) => Tensor;
  readonly batchesPerEpoch: number;
  readonly schedule: Parameters<typeof scheduledLr>[2];
  readonly config: RunConfig;
  readonly metricsLog: MetricsLog;
  ddp?: DataParallel;
  state: LoopState;
  history: EpochMetrics[];
}

/** An epoch's order of the training rows (the same on every rank). */
const orderOf = (s: Pick<Session, "opts" | "trainSet">, epoch: number): Int32Array =>
  epochOrder(s.trainSet.labels, s.opts.seed, epoch, s.opts.balance);

/** Frees everything a session holds (what exists of it). */
function release(s: Partial<Session>): void {
  s.ddp?.dispose();
  s.adversary?.dispose();
  s.model?.dispose();
  s.optimizer?.dispose();
  for (const set of [s.trainSet, s.valSet]) if (set) disposeDeviceSet(set);
}

/**
 * The data on the device, the model (the resume point's, or a fresh one from the seed), the adversary,
 * the optimizer (the resume point's state restored, checked), the schedule and the run's config.
 */
function setUp(
  data: TrainingData,
  opts: TrainOptions,
  group: ProcessGroup | undefined,
  point?: ResumePoint,
): Session {
  const s: Partial<Session> & { opts: TrainOptions } = { opts };
  try {
    const rank = group?.rank ?? 0;
    const worldSize = group?.size ?? 1;
    const features = opts.model.rhythm ?? 0;
    // Subject-adversarial training learns each training beat's patient (loadTrainingData refuses data without).
    const patients = opts.adversary > 0 ? patientIds(data.set.records!, data.train) : undefined;
    const trainSet = toDeviceSet(data.set, data.train, opts.device, features, data.templates, patients?.ids);
    Object.assign(s, { rank, worldSize, batch: perRankBatch(opts.batch, worldSize), trainSet });
    Object.assign(s, { valSet: toDeviceSet(data.set, data.val, opts.device, features, data.templates) });
    manualSeed(opts.seed);
    const model = point?.model ?? new SeedNet(opts.model);
    Object.assign(s, { model });
    if (opts.device !== "cpu") model.to(opts.device);
    const adversary = patients && new SubjectAdversary(model.featureWidth, patients.count);
    if (adversary && opts.device !== "cpu") adversary.to(opts.device);
    Object.assign(s, { adversary, optimizer: makeOptimizer(opts, model, adversary) });
    if (point) {
      point.restoreOptimizer(s.optimizer!);
      if (adversary) point.restoreModule(ADVERSARY_PREFIX, adversary);
    }
    // A balanced epoch has as many draws as beats, less what the repeat cap leaves out: ask for its size.
    const batchesPerEpoch = Math.ceil(
      shardLength(orderOf({ opts, trainSet }, 1).length, worldSize) / s.batch!,
    );
    const counts = { train: classCounts(trainSet.labels), val: classCounts(s.valSet!.labels) };
    return {
      ...(s as Session),
      loss: lossFn(opts),
      batchesPerEpoch,
      schedule: {
        name: opts.schedule,
        totalSteps: batchesPerEpoch * opts.epochs,
        warmupSteps: opts.warmupEpochs * batchesPerEpoch,
      },
      // A resumed run keeps its config.json (the caller records overrides in it); a new one writes it.
      config: runConfig({ ...opts, processes: worldSize }, dataConfig(opts, data, counts)),
      metricsLog: new MetricsLog(opts.outDir),
      state: point?.loop ?? { epoch: 0, step: 0, lr: opts.lr, bestMacroF1: -1, bestEpoch: 0 },
      history: [],
    };
  } catch (e) {
    release(s);
    throw e;
  }
}

/** Rank 0 makes the directory what the run needs: a resumed one repaired and its log cut back, a new one started. */
function prepareDirectory(s: Session, point: ResumePoint | undefined, hooks: TrainHooks): void {
  if (s.rank !== 0) return;
  const note = (line: string) => hooks.onNote?.(line);
  if (s.opts.resume) {
    point?.repairBest(note);
    const resumed = s.metricsLog.resumeAt(s.state.epoch);
    s.history = resumed.history;
    if (resumed.dropped > 0)
      note(`${resumed.dropped} line(s) past the last checkpoint dropped from metrics.jsonl`);
  } else {
    mkdirSync(s.opts.outDir, { recursive: true });
    writeRunConfig(s.opts.outDir, s.config);
    s.metricsLog.start();
  }
}

/** One optimizer step on `rows`; returns its loss and how many it got right. */
function step(s: Session, rows: Int32Array, epoch: number, b: number): [number, number] {
  const { opts, model, optimizer, adversary } = s;
  optimizer.lr = scheduledLr(opts.lr, s.state.step, s.schedule);
  return tidy(() => {
    // Each rank draws its own augmentation (one rank: the draws of batch b).
    const random = () => batchRandom(opts.seed, epoch, b * s.worldSize + s.rank);
    const { x, r, y, p } = batchInputs(s.trainSet, rows, opts, random);
    optimizer.zeroGrad();
    s.ddp?.beforeForward();
    const { logits, pooled } = model.forwardWithFeatures(x, r);
    const lv = s.loss(logits, y);
    // The class loss, plus the adversary's patient loss, whose gradient reaches the network reversed.
    const total =
      adversary && p ? lv.add(crossEntropy(adversary.forward(pooled), p).mul(opts.adversary)) : lv;
    total.backward();
    s.ddp?.afterBackward();
    if (opts.gradClip) clipGradNorm(optimizer.params, opts.gradClip);
    optimizer.step();
    return [lv.item(), logits.argmax(1).eq(y).sum().item()];
  });
}

interface EpochSums {
  lossSum: number;
  correct: number;
  seen: number;
  stoppedBy?: "request" | "max-steps";
}

/** The training batches of one epoch on this rank (a stop asked for on any rank ends it everywhere). */
async function trainEpoch(s: Session, epoch: number, hooks: TrainHooks): Promise<EpochSums> {
  const { opts, batch, batchesPerEpoch } = s;
  const maxSteps = opts.maxSteps ?? 0;
  // Seeds per epoch, so a resumed run draws the same shuffles and dropout masks as an uninterrupted
  // one; dropout's per rank, so that ranks do not draw the same masks.
  manualSeed(opts.seed * 1009 + epoch + s.rank * 104_729);
  const rows = rankShard(orderOf(s, epoch), s.rank, s.worldSize);
  const sums: EpochSums = { lossSum: 0, correct: 0, seen: 0 };
  for (let b = 0; b < batchesPerEpoch; b++) {
    const stop = hooks.shouldStop?.() ?? false;
    if (s.ddp ? s.ddp.anyRank(stop) : stop) return { ...sums, stoppedBy: "request" };
    const batchRows = rows.subarray(b * batch, Math.min(rows.length, (b + 1) * batch));
    const [l, c] = step(s, batchRows, epoch, b);
    s.state.step++;
    sums.lossSum += l * batchRows.length;
    sums.correct += c;
    sums.seen += batchRows.length;
    hooks.onBatch?.({
      epoch,
      batch: b + 1,
      batches: batchesPerEpoch,
      loss: sums.lossSum / sums.seen,
      acc: sums.correct / sums.seen,
      lr: s.optimizer.lr,
    });
    // --max-steps ends the epoch here: validated and checkpointed like a whole one.
    if (maxSteps > 0 && s.state.step >= maxSteps)
      return b + 1 < batchesPerEpoch || epoch < opts.epochs ? { ...sums, stoppedBy: "max-steps" } : sums;
    // Let signal handlers (Ctrl-C) run between batches.
    if (b % 8 === 7) await yieldToEventLoop();
  }
  return sums;
}

/** Rank 0 after an epoch: validation, the epoch's metrics and whether it is the best so far. */
function validateEpoch(
  s: Session,
  epoch: number,
  sums: EpochSums,
  seconds: number,
): { m: EpochMetrics; isBest: boolean } {
  const val = validate(s.model, s.valSet, s.loss, s.opts.model.classes, s.opts.select);
  const m: EpochMetrics = {
    epoch,
    trainLoss: sums.lossSum / sums.seen,
    trainAcc: sums.correct / sums.seen,
    valLoss: val.loss,
    valAcc: val.acc,
    valMacroF1: val.macroF1,
    valScore: val.score,
    valS: val.s,
    valV: val.v,
    lr: s.optimizer.lr,
    seconds,
    samplesPerSec: sums.seen / seconds,
  };
  // Model selection by macro-F1 (or the S and V F1), not accuracy: with ~83 % of beats N, accuracy
  // rewards a model that neglects the rare classes (S, F) the application cares about.
  const isBest = val.score > s.state.bestMacroF1;
  s.state = {
    ...s.state,
    epoch,
    lr: s.optimizer.lr,
    ...(isBest ? { bestMacroF1: val.score, bestEpoch: epoch } : {}),
  };
  s.history.push(m);
  return { m, isBest };
}

/**
 * The epoch's files: the line first (fsynced), then the last checkpoint (the epoch's commit point),
 * then the best: see last-checkpoint.ts for why this order survives a kill between any two.
 */
function commitEpoch(s: Session, m: EpochMetrics, isBest: boolean, hooks: TrainHooks): void {
  const provenance = checkpointProvenance(s.config, m);
  const dir = s.opts.outDir;
  s.metricsLog.append(m);
  hooks.onCommit?.("metrics", m.epoch);
  saveLastCheckpoint(
    dir,
    s.model,
    s.optimizer,
    s.state,
    provenance,
    s.adversary && { [ADVERSARY_PREFIX]: s.adversary },
  );
  hooks.onCommit?.("last", m.epoch);
  if (isBest) {
    saveBestCheckpoint(dir, s.model, provenance);
    hooks.onCommit?.("best", m.epoch);
  }
}

/** The epochs from the session's state to the end, a stop, or a budget. */
async function runEpochs(s: Session, hooks: TrainHooks): Promise<TrainResult["stoppedBy"]> {
  const started = performance.now();
  const maxSteps = s.opts.maxSteps ?? 0;
  s.model.train();
  for (let epoch = s.state.epoch + 1; epoch <= s.opts.epochs; epoch++) {
    if (maxSteps > 0 && s.state.step >= maxSteps) return "max-steps";
    const t0 = performance.now();
    const sums = await trainEpoch(s, epoch, hooks);
    if (sums.stoppedBy === "request") return "request";
    if (s.ddp) [sums.lossSum, sums.correct, sums.seen] = s.ddp.sums([sums.lossSum, sums.correct, sums.seen]);
    if (s.rank === 0) {
      const { m, isBest } = validateEpoch(s, epoch, sums, (performance.now() - t0) / 1000);
      commitEpoch(s, m, isBest, hooks);
      hooks.onEpoch?.(m, isBest);
    } else {
      // Only rank 0 validates and writes; the others wait for it at the next collective.
      s.state = { ...s.state, epoch };
    }
    if (sums.stoppedBy) return sums.stoppedBy;
    const out = timeUp(s.opts, started, epoch);
    if (s.ddp ? s.ddp.anyRank(out) : out) return "max-minutes";
  }
  return undefined;
}

/** Loads the dataset's training side, splits off validation, and trains (trainOn). */
export async function train(
  opts: TrainOptions,
  hooks: TrainHooks = {},
  group?: ProcessGroup,
): Promise<TrainResult> {
  checkDevice(opts.device);
  // A resumed run's last checkpoint is read and checked before the data is loaded: refused early.
  const point = opts.resume ? openResumePoint(opts.outDir) : undefined;
  let data: TrainingData;
  try {
    data = loadTrainingData(opts);
  } catch (e) {
    point?.model.dispose();
    throw e;
  }
  return trainWith(data, opts, hooks, group, point);
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
  return trainWith(data, opts, hooks, group, opts.resume ? openResumePoint(opts.outDir) : undefined);
}

async function trainWith(
  data: TrainingData,
  opts: TrainOptions,
  hooks: TrainHooks,
  group: ProcessGroup | undefined,
  point: ResumePoint | undefined,
): Promise<TrainResult> {
  setNumThreads(opts.threads);
  const s = setUp(data, opts, group, point);
  try {
    if (s.rank === 0) hooks.onDataReady?.(s.config.data);
    prepareDirectory(s, point, hooks);
    // Every rank starts from rank 0's weights and buffers (the optimizer state is every rank's own
    // copy of the same: zeros, or the same checkpoint).
    if (group) s.ddp = new DataParallel(group, s.model);
    hooks.onStart?.({
      options: opts,
      trainCount: s.trainSet.count,
      valCount: s.valSet.count,
      batchesPerEpoch: s.batchesPerEpoch,
      startEpoch: s.state.epoch + 1,
      params: s.model.parameterCount(),
      valRecords: data.valRecords,
    });
    const stoppedBy = await runEpochs(s, hooks);
    return {
      epochsDone: s.state.epoch,
      stopped: stoppedBy !== undefined,
      ...(stoppedBy && { stoppedBy }),
      best: { epoch: s.state.bestEpoch, score: s.state.bestMacroF1 },
      history: s.history,
    };
  } finally {
    release(s);
  }
}
