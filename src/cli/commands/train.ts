// `ecg train`: trains a preset on a dataset directory and writes a run directory.
import { availableParallelism } from "node:os";
import path from "node:path";
import { loadSplit } from "../../dataset/beats.js";
import { EngineUnavailableError } from "../../engine/native.js";
import { formatReport } from "../../eval/metrics.js";
import { PRESET_NAMES, type PresetName, presetConfig } from "../../models/config.js";
import { SEED_GAMMA } from "../../nn/losses.js";
import { ADAMW_WEIGHT_DECAY } from "../../nn/optim/index.js";
import { defaultEpochs, type LossName, type OptimizerName, type TrainOptions } from "../../train/options.js";
import { evaluateRunOnTest } from "../../train/test-eval.js";
import { BEST_CHECKPOINT, train } from "../../train/trainer.js";
import { CLASS_NAMES, N_CLASSES, SEED_ALPHA } from "../../vocabulary.js";
import { boolOpt, choiceOpt, numberOpt, requireString, stringOpt } from "../args.js";
import type { Command, ParsedArgs } from "../command.js";
import { UsageError } from "../errors.js";
import { displayPath, info, println } from "../output.js";
import { formatDuration, ProgressBar } from "../progress.js";

function parseAlpha(raw: string | undefined): number[] {
  if (raw === undefined) return [...SEED_ALPHA];
  const v = raw.split(",").map(Number);
  if (v.length !== N_CLASSES || v.some((x) => !Number.isFinite(x) || x < 0))
    throw new UsageError(
      `--alpha takes ${N_CLASSES} non-negative numbers (${CLASS_NAMES.join(",")}), got '${raw}'`,
    );
  return v;
}

export function trainOptionsFrom(args: ParsedArgs): TrainOptions {
  const preset = choiceOpt<PresetName>(args, "preset", PRESET_NAMES, "compact");
  const dataDir = requireString(args, "data");
  const optimizer = choiceOpt<OptimizerName>(
    args,
    "optimizer",
    ["adabound", "amsbound", "adam", "adamw"],
    "adabound",
  );
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
    weightDecay: numberOpt(args, "weight-decay", optimizer === "adamw" ? ADAMW_WEIGHT_DECAY : 0, { min: 0 }),
    optimizer,
    loss: choiceOpt<LossName>(args, "loss", ["focal", "ce"], "focal"),
    gamma: numberOpt(args, "gamma", SEED_GAMMA, { min: 0 }),
    alpha: parseAlpha(stringOpt(args, "alpha")),
    fullFocal: boolOpt(args, "full-focal"),
    schedule: choiceOpt(args, "schedule", ["constant", "cosine", "step"] as const, "constant"),
    warmupEpochs: numberOpt(args, "warmup-epochs", 0, { min: 0 }),
    valFraction: numberOpt(args, "val-fraction", 0.1, { min: 0.01, max: 0.5 }),
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
  usage: "train --data DIR --preset compact|seed|seed-resnext [options]",
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
    preset: "compact (CPU), seed, seed-resnext (default compact)",
    epochs: "epochs (default 20 for compact, 200 for the seed presets)",
    batch: "batch size (default 128)",
    lr: "learning rate (default 1e-3)",
    "final-lr": "AdaBound's final learning rate (default 0.1)",
    "weight-decay": `L2 penalty (AdamW: decoupled; default 0, AdamW ${ADAMW_WEIGHT_DECAY})`,
    optimizer: "adabound (default), amsbound, adam, adamw",
    loss: "focal (default: gamma 2, the seed's alpha) or ce",
    gamma: "focal-loss gamma (default 2; 0 = weighted cross-entropy)",
    alpha: `focal-loss class weights ${CLASS_NAMES.join(",")} (default ${SEED_ALPHA.join(",")})`,
    "full-focal": "differentiate through (1-p)^gamma too (the seed detaches it)",
    schedule: "learning-rate schedule: constant (default), cosine, step",
    "warmup-epochs": "linear warm-up epochs (default 0)",
    "val-fraction": "stratified validation fraction of the training side (default 0.1)",
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
            `training ${opts.preset} (${s.params.toLocaleString("en-US")} parameters) on ${s.trainCount.toLocaleString("en-US")} beats, validating on ${s.valCount.toLocaleString("en-US")}; ` +
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
              `acc ${(m.valAcc * 100).toFixed(2)}% macro-F1 ${m.valMacroF1.toFixed(4)}${isBest ? " (best)" : ""} | ${formatDuration(m.seconds)}, ${Math.round(m.samplesPerSec)} beats/s`,
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
        `best epoch ${result.best.epoch} (validation macro-F1 ${result.best.macroF1.toFixed(4)}) → ${displayPath(path.join(opts.outDir, BEST_CHECKPOINT))}`,
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
