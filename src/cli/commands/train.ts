// `ecg train`: trains a preset on a dataset directory and writes a run directory.
import { availableParallelism } from "node:os";
import path from "node:path";
import { loadSplit } from "../../dataset/beats.js";
import { EngineUnavailableError } from "../../engine/native.js";
import { formatReport } from "../../eval/metrics.js";
import { PRESET_NAMES, type PresetName, presetConfig } from "../../models/config.js";
import { SEED_GAMMA } from "../../nn/losses.js";
import { type AugmentOptions, NO_AUGMENT } from "../../train/augment.js";
import { MAX_REPEAT } from "../../train/epoch-order.js";
import {
  defaultEpochs,
  type LossName,
  type OptimizerName,
  type SelectName,
  type TrainOptions,
  type ValSplitName,
} from "../../train/options.js";
import { evaluateRunOnTest } from "../../train/test-eval.js";
import { BEST_CHECKPOINT, train } from "../../train/trainer.js";
import { CLASS_NAMES, N_CLASSES, SEED_ALPHA } from "../../vocabulary.js";
import { boolOpt, choiceOpt, numberOpt, requireString, stringOpt } from "../args.js";
import type { Command, ParsedArgs } from "../command.js";
import { UsageError } from "../errors.js";
import { displayPath, info, println } from "../output.js";
import { formatDuration, ProgressBar } from "../progress.js";

/** A fraction as a percentage with one decimal. */
const pct = (v: number): string => (v * 100).toFixed(1);

function parseAlpha(raw: string | undefined): number[] {
  if (raw === undefined) return [...SEED_ALPHA];
  const v = raw.split(",").map(Number);
  if (v.length !== N_CLASSES || v.some((x) => !Number.isFinite(x) || x < 0))
    throw new UsageError(
      `--alpha takes ${N_CLASSES} non-negative numbers (${CLASS_NAMES.join(",")}), got '${raw}'`,
    );
  return v;
}

/** The strengths `--augment` turns on (each --aug-* sets one, and turns augmentation on by itself). */
export const DEFAULT_AUGMENT: AugmentOptions = {
  stretch: 0.1,
  amplitude: 0.2,
  wander: 0.1,
  noise: 0.02,
  rate: 0.25,
  premature: 0,
};

const AUGMENT_FLAGS = {
  stretch: "aug-stretch",
  amplitude: "aug-amplitude",
  wander: "aug-wander",
  noise: "aug-noise",
  rate: "aug-rate",
  premature: "aug-premature",
} as const satisfies Record<keyof AugmentOptions, string>;

function augmentFrom(args: ParsedArgs): AugmentOptions {
  const on =
    boolOpt(args, "augment") || Object.values(AUGMENT_FLAGS).some((f) => args.values[f] !== undefined);
  const base = on ? DEFAULT_AUGMENT : NO_AUGMENT;
  const out = { ...base };
  for (const [k, flag] of Object.entries(AUGMENT_FLAGS) as [keyof AugmentOptions, string][]) {
    out[k] = numberOpt(args, flag, base[k], { min: 0, max: k === "rate" || k === "premature" ? 1 : 0.5 });
  }
  return out;
}

function valRecordsFrom(args: ParsedArgs): string[] | undefined {
  const raw = stringOpt(args, "val-records");
  if (raw === undefined) return undefined;
  const list = raw.split(",").map((r) => r.trim());
  if (list.some((r) => r === ""))
    throw new UsageError(`--val-records takes record names separated by commas, got '${raw}'`);
  return list;
}

export function trainOptionsFrom(args: ParsedArgs): TrainOptions {
  const preset = choiceOpt<PresetName>(args, "preset", PRESET_NAMES, "compact");
  const dataDir = requireString(args, "data");
  return {
    dataDir,
    outDir:
      stringOpt(args, "out") ??
      path.join("runs", `${preset}-${new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19)}`),
    preset,
    model: presetConfig(preset),
    epochs: numberOpt(args, "epochs", defaultEpochs(preset), { integer: true, min: 1 }),
    batch: numberOpt(args, "batch", 128, { integer: true, min: 1 }),
    lr: numberOpt(args, "lr", 1e-3, { min: 0 }),
    finalLr: numberOpt(args, "final-lr", 0.1, { min: 0 }),
    weightDecay: numberOpt(args, "weight-decay", 0, { min: 0 }),
    optimizer: choiceOpt<OptimizerName>(
      args,
      "optimizer",
      ["adabound", "amsbound", "adam", "adamw"],
      "adabound",
    ),
    loss: choiceOpt<LossName>(args, "loss", ["focal", "ce"], "focal"),
    gamma: numberOpt(args, "gamma", SEED_GAMMA, { min: 0 }),
    alpha: parseAlpha(stringOpt(args, "alpha")),
    fullFocal: boolOpt(args, "full-focal"),
    schedule: choiceOpt(args, "schedule", ["constant", "cosine", "step"] as const, "constant"),
    warmupEpochs: numberOpt(args, "warmup-epochs", 0, { min: 0 }),
    valFraction: numberOpt(args, "val-fraction", 0.1, { min: 0.01, max: 0.5 }),
    valSplit: choiceOpt<ValSplitName>(args, "val-split", ["auto", "records", "stratified"], "auto"),
    valRecords: valRecordsFrom(args),
    balance:
      stringOpt(args, "balance") === undefined
        ? undefined
        : {
            power: numberOpt(args, "balance", 1, { min: 0, max: 1 }),
            maxRepeat: numberOpt(args, "max-repeat", MAX_REPEAT, { min: 1 }),
          },
    augment: augmentFrom(args),
    adversary: numberOpt(args, "adversary", 0, { min: 0 }),
    select: choiceOpt<SelectName>(args, "select", ["macro-f1", "sv-f1"], "macro-f1"),
    seed: numberOpt(args, "seed", 1, { integer: true, min: 0 }),
    device: choiceOpt(args, "device", ["cpu", "cuda"] as const, "cpu"),
    threads: numberOpt(args, "threads", availableParallelism(), { integer: true, min: 1 }),
    maxMinutes: numberOpt(args, "max-minutes", 0, { min: 0 }),
    resume: boolOpt(args, "resume"),
  };
}

export const command: Command = {
  name: "train",
  summary: "train a model; writes a run directory (checkpoints, metrics log, config)",
  usage: `train --data DIR --preset ${PRESET_NAMES.join("|")} [options]`,
  options: {
    data: { type: "string" },
    preset: { type: "string" },
    epochs: { type: "string" },
    batch: { type: "string" },
    lr: { type: "string" },
    "final-lr": { type: "string" },
    "weight-decay": { type: "string" },
    optimizer: { type: "string" },
    loss: { type: "string" },
    gamma: { type: "string" },
    alpha: { type: "string" },
    "full-focal": { type: "boolean" },
    schedule: { type: "string" },
    "warmup-epochs": { type: "string" },
    "val-fraction": { type: "string" },
    "val-split": { type: "string" },
    "val-records": { type: "string" },
    balance: { type: "string" },
    "max-repeat": { type: "string" },
    augment: { type: "boolean" },
    "aug-stretch": { type: "string" },
    "aug-amplitude": { type: "string" },
    "aug-wander": { type: "string" },
    "aug-noise": { type: "string" },
    "aug-rate": { type: "string" },
    "aug-premature": { type: "string" },
    adversary: { type: "string" },
    select: { type: "string" },
    seed: { type: "string" },
    device: { type: "string" },
    threads: { type: "string" },
    "max-minutes": { type: "string" },
    out: { type: "string" },
    resume: { type: "boolean" },
    "no-test": { type: "boolean" },
  },
  optionHelp: {
    data: "dataset directory (ecg data build, or Kaggle's mitbih_train.csv/mitbih_test.csv)",
    preset:
      "compact (CPU), compact-rr (+ R-R features), compact-rr-rel (+ beats relative to the patient's template: for new patients), seed, seed-resnext (default compact)",
    epochs: "epochs (default 20 for compact, 200 for the seed presets)",
    batch: "batch size (default 128)",
    lr: "learning rate (default 1e-3)",
    "final-lr": "AdaBound's final learning rate (default 0.1)",
    "weight-decay": "L2 penalty (AdamW: decoupled; default 0)",
    optimizer: "adabound (default), amsbound, adam, adamw",
    loss: "focal (default: gamma 2, the seed's alpha) or ce",
    gamma: "focal-loss gamma (default 2; 0 = weighted cross-entropy)",
    alpha: `focal-loss class weights ${CLASS_NAMES.join(",")} (default ${SEED_ALPHA.join(",")})`,
    "full-focal": "differentiate through (1-p)^gamma too (the seed detaches it)",
    schedule: "learning-rate schedule: constant (default), cosine, step",
    "warmup-epochs": "linear warm-up epochs (default 0)",
    "val-fraction":
      "validation share of the training side (default 0.1): of its beats, stratified; split by record, of its S and V beats",
    "val-split":
      "auto (default: by record for inter-patient data, else stratified), records (whole patients held out), stratified (beats)",
    "val-records": "records to hold out for validation, e.g. 114,124,220,223 (default: chosen from the seed)",
    balance:
      "class-balanced epochs: each class drawn in proportion to count^P (0 = classes alike, 1 = as the data; default: off)",
    "max-repeat": `with --balance, most draws of one beat per epoch (default ${MAX_REPEAT})`,
    augment: `augment training beats: ${Object.entries(DEFAULT_AUGMENT)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    "aug-stretch": "time stretch ±fraction (turns --augment on)",
    "aug-amplitude": "amplitude scale ±fraction (turns --augment on)",
    "aug-wander": "baseline wander amplitude, at most (turns --augment on)",
    "aug-noise": "white-noise standard deviation, at most (turns --augment on)",
    "aug-rate": "heart-rate scale of the R-R durations, ±fraction (turns --augment on)",
    "aug-premature":
      "probability that an N beat in a regular rhythm gets the R-R features of a premature beat and the label S (turns --augment on; default 0)",
    adversary:
      "subject-adversarial weight: a head learns each training beat's patient from the CNN features, its gradient reversed into the network (default 0: off)",
    select: "what picks the best epoch: macro-f1 (default) or sv-f1 (mean F1 of S and V)",
    seed: "random seed (default 1): same seed, same result on the same machine",
    device: "cpu (default) or cuda",
    threads: "CPU threads (default: all cores)",
    "max-minutes": "stop at the first epoch end past this budget (default: none)",
    out: "run directory (default runs/<preset>-<time>)",
    resume: "continue the run in --out from its last complete epoch",
    "no-test": "skip the final evaluation on mitbih_test.csv",
  },
  examples: [
    "ecg train --data data/kaggle --preset compact --epochs 14 --out runs/compact-kaggle",
    "ecg train --data data/kaggle --preset seed --device cuda --epochs 1 --out runs/seed",
    "ecg train --data data/kaggle --preset compact --out runs/compact-kaggle --resume",
    "ecg train --data data/interpatient --preset compact-rr-rel --balance 0.5 --augment --select sv-f1 --out runs/rr",
  ],
  async run(args) {
    const opts = trainOptionsFrom(args);
    if (opts.device === "cuda") {
      const { cudaIsAvailable } = await import("../../engine/index.js");
      if (!cudaIsAvailable())
        throw new EngineUnavailableError("--device cuda: this libtorch build sees no CUDA device");
    }
    let stopRequested = false;
    const onSigint = () => {
      if (stopRequested) process.exit(130);
      stopRequested = true;
      info(
        "\nstopping after this batch (Ctrl-C again to quit now); the last complete checkpoint stays intact; continue with --resume",
      );
    };
    process.on("SIGINT", onSigint);
    let bar: ProgressBar | undefined;
    try {
      const result = await train(opts, {
        onStart: (s) => {
          info(
            `training ${opts.preset} (${s.params.toLocaleString("en-US")} parameters) on ${s.trainCount.toLocaleString("en-US")} beats, validating on ${s.valCount.toLocaleString("en-US")}` +
              (s.valRecords ? ` (records ${s.valRecords.join(" ")})` : "") +
              "; " +
              `${opts.optimizer}, ${opts.loss} loss, batch ${opts.batch}, ${opts.threads} threads, ${opts.device}` +
              (s.startEpoch > 1 ? `; resuming at epoch ${s.startEpoch}` : ""),
          );
        },
        onBatch: (b) => {
          if (b.batch === 1)
            bar = new ProgressBar({
              label: `epoch ${b.epoch}/${opts.epochs}`,
              total: b.batches * opts.batch,
              unit: "beats",
            });
          bar?.update(b.batch * opts.batch, `loss ${b.loss.toFixed(4)} acc ${(b.acc * 100).toFixed(2)}%`);
        },
        onEpoch: (m, isBest) => {
          bar?.finish();
          info(
            `epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(4)} acc ${(m.trainAcc * 100).toFixed(2)}% | val loss ${m.valLoss.toFixed(4)} ` +
              `acc ${(m.valAcc * 100).toFixed(2)}% macro-F1 ${m.valMacroF1.toFixed(4)} S ${pct(m.valS.se)}/${pct(m.valS.ppv)} V ${pct(m.valV.se)}/${pct(m.valV.ppv)}${isBest ? " (best)" : ""} | ${formatDuration(m.seconds)}, ${Math.round(m.samplesPerSec)} beats/s`,
          );
        },
        shouldStop: () => stopRequested,
      });
      if (result.stopped && stopRequested) {
        info(
          `stopped; ${result.epochsDone} complete epoch(s) in ${displayPath(opts.outDir)}; continue with --resume`,
        );
        process.exitCode = 130;
        return;
      }
      info(
        `best epoch ${result.best.epoch} (validation ${opts.select} ${result.best.score.toFixed(4)}) → ${displayPath(path.join(opts.outDir, BEST_CHECKPOINT))}`,
      );
      if (!boolOpt(args, "no-test")) {
        let hasTest = true;
        try {
          loadSplit(opts.dataDir, "test");
        } catch {
          hasTest = false;
        }
        if (hasTest) {
          const report = evaluateRunOnTest(opts.outDir, opts.dataDir, {
            device: opts.device,
            threads: opts.threads,
          });
          println(`test set (${displayPath(path.join(opts.dataDir, "mitbih_test.csv"))}), best checkpoint:`);
          println(formatReport(report));
        }
      }
    } finally {
      process.off("SIGINT", onSigint);
    }
  },
};
