// `ecg train`: trains a preset on a dataset directory and writes a run directory.
import { availableParallelism } from "node:os";
import path from "node:path";
import { loadSplit, requireSplit } from "../../dataset/beats.js";
import {
  backendFor,
  DistributedError,
  initProcessGroup,
  type ProcessGroup,
  type Store,
  type WorldInfo,
  worldFromEnv,
} from "../../engine/distributed.js";
import { EngineUnavailableError } from "../../engine/native.js";
import { formatReport } from "../../eval/metrics.js";
import { PRESET_NAMES, type PresetName, presetConfig } from "../../models/config.js";
import { SEED_ALPHA, SEED_GAMMA } from "../../nn/losses.js";
import { explainFailure } from "../../train/ddp.js";
import { LAUNCHER_PID_ENV } from "../../train/launch.js";
import { defaultEpochs, type LossName, type OptimizerName, type TrainOptions } from "../../train/options.js";
import { evaluateRunOnTest } from "../../train/test-eval.js";
import { BEST_CHECKPOINT, train } from "../../train/trainer.js";
import { boolOpt, choiceOpt, numberOpt, requireString, stringOpt } from "../args.js";
import type { Command, ParsedArgs } from "../command.js";
import { UsageError } from "../errors.js";
import {
  checkJob,
  checkOutcome,
  defaultWorkerThreads,
  isLaunch,
  LAUNCH_HELP,
  LAUNCH_OPTIONS,
  launchArgsFrom,
  launchSelf,
} from "../launch.js";
import { displayPath, info, println } from "../output.js";
import { formatDuration, ProgressBar } from "../progress.js";

function parseAlpha(raw: string | undefined): number[] {
  if (raw === undefined) return [...SEED_ALPHA];
  const v = raw.split(",").map(Number);
  if (v.length !== 5 || v.some((x) => !Number.isFinite(x) || x < 0))
    throw new UsageError(`--alpha takes 5 non-negative numbers (N,S,V,F,Q), got '${raw}'`);
  return v;
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
    ...LAUNCH_OPTIONS,
  },
  optionHelp: {
    data: "dataset directory (ecg data build, or Kaggle's mitbih_train.csv/mitbih_test.csv)",
    preset: "compact (CPU), seed, seed-resnext (default compact)",
    epochs: "epochs (default 20 for compact, 200 for the seed presets)",
    batch: "global batch size, shared out among the --nproc processes (default 128)",
    lr: "learning rate (default 1e-3)",
    "final-lr": "AdaBound's final learning rate (default 0.1)",
    "weight-decay": "L2 penalty (AdamW: decoupled; default 0)",
    optimizer: "adabound (default), amsbound, adam, adamw",
    loss: "focal (default: gamma 2, the seed's alpha) or ce",
    gamma: "focal-loss gamma (default 2; 0 = weighted cross-entropy)",
    alpha: "focal-loss class weights N,S,V,F,Q (default 0.15,0.75,0.65,0.75,0.25)",
    "full-focal": "differentiate through (1-p)^gamma too (the seed detaches it)",
    schedule: "learning-rate schedule: constant (default), cosine, step",
    "warmup-epochs": "linear warm-up epochs (default 0)",
    "val-fraction": "stratified validation fraction of the training side (default 0.1)",
    seed: "random seed (default 1): same seed, same result on the same machine",
    device: "cpu (default) or cuda",
    threads: "CPU threads per process (default: the cores, shared out among --nproc processes)",
    "max-minutes": "stop at the first epoch end past this budget (default: none)",
    out: "run directory (default runs/<preset>-<time>)",
    resume: "continue the run in --out from its last complete epoch",
    "no-test": "skip the final evaluation on mitbih_test.csv",
    ...LAUNCH_HELP,
  },
  examples: [
    "ecg train --data data/kaggle --preset compact --epochs 14 --out runs/compact-kaggle",
    "ecg train --data data/kaggle --preset seed --device cuda --epochs 1 --out runs/seed",
    "ecg train --data data/kaggle --preset compact --out runs/compact-kaggle --resume",
    "ecg train --data data/kaggle --preset compact --nproc 2 --threads 1 --out runs/compact-ddp",
  ],
  async run(args) {
    const launch = launchArgsFrom(args);
    const opts = trainOptionsFrom(args);
    if (isLaunch(launch, opts.batch)) {
      requireSplit(opts.dataDir, "train");
      checkJob(opts.device, launch);
      // This process only starts and watches the workers: each re-runs this command as one rank.
      const threads = String(
        args.values["threads"] === undefined ? defaultWorkerThreads(launch.nprocPerNode) : opts.threads,
      );
      const outcome = await launchSelf(["train"], args, command.options, launch, {
        threads,
        out: opts.outDir,
      });
      checkOutcome(
        outcome,
        `; the last complete epoch is in ${displayPath(opts.outDir)} (continue with --resume)`,
      );
      return;
    }
    const world = worldFromEnv();
    if (world && world.worldSize > 1) {
      await runWorker(args, opts, world, launch.timeoutSeconds);
      return;
    }
    await runTraining(args, opts);
  },
};

/** One rank of a launched job: joins the process group, trains; rank 0 alone talks and writes. */
async function runWorker(args: ParsedArgs, opts: TrainOptions, world: WorldInfo, timeoutSeconds: number) {
  const backend = backendFor(opts.device);
  const device = opts.device === "cpu" ? opts.device : (`cuda:${world.localRank}` as const);
  const { store, group } = initProcessGroup(world, { backend, timeoutSeconds });
  try {
    await runTraining(args, { ...opts, device }, { group, store });
  } catch (e) {
    throw e instanceof DistributedError ? explainFailure(e, store, world.rank, world.worldSize) : e;
  } finally {
    group.shutdown();
  }
}

async function runTraining(
  args: ParsedArgs,
  opts: TrainOptions,
  dist?: { group: ProcessGroup; store: Store },
): Promise<void> {
  if (opts.device.startsWith("cuda")) {
    const { cudaIsAvailable } = await import("../../engine/index.js");
    if (!cudaIsAvailable())
      throw new EngineUnavailableError("--device cuda: this libtorch build sees no CUDA device");
  }
  // In a launched job, rank 0 alone reports (and writes the run directory); the others are quiet.
  const talk = (dist?.group.rank ?? 0) === 0;
  const say = (line: string) => {
    if (talk) info(line);
  };
  // A worker whose launcher is gone stops like Ctrl-C, at the same batch as the others.
  const launcherPid = Number(process.env[LAUNCHER_PID_ENV] ?? Number.NaN);
  const orphaned = () => dist !== undefined && Number.isInteger(launcherPid) && process.ppid !== launcherPid;
  let stopRequested = false;
  const onSigint = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    say(
      "\nstopping after this batch (Ctrl-C again to quit now); the last complete checkpoint stays intact; continue with --resume",
    );
  };
  process.on("SIGINT", onSigint);
  let bar: ProgressBar | undefined;
  try {
    const workers = dist ? `${dist.group.size} processes × ` : "";
    const result = await train(
      opts,
      {
        onStart: (s) => {
          say(
            `training ${opts.preset} (${s.params.toLocaleString("en-US")} parameters) on ${s.trainCount.toLocaleString("en-US")} beats, validating on ${s.valCount.toLocaleString("en-US")}; ` +
              `${opts.optimizer}, ${opts.loss} loss, batch ${opts.batch}, ${workers}${opts.threads} threads, ${opts.device}` +
              (s.startEpoch > 1 ? `; resuming at epoch ${s.startEpoch}` : ""),
          );
        },
        onBatch: (b) => {
          if (!talk) return;
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
          say(
            `epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(4)} acc ${(m.trainAcc * 100).toFixed(2)}% | val loss ${m.valLoss.toFixed(4)} ` +
              `acc ${(m.valAcc * 100).toFixed(2)}% macro-F1 ${m.valMacroF1.toFixed(4)}${isBest ? " (best)" : ""} | ${formatDuration(m.seconds)}, ${Math.round(m.samplesPerSec)} beats/s`,
          );
        },
        shouldStop: () => stopRequested || orphaned(),
      },
      dist?.group,
    );
    if (result.stopped && (stopRequested || orphaned())) {
      say(
        `stopped; ${result.epochsDone} complete epoch(s) in ${displayPath(opts.outDir)}; continue with --resume`,
      );
      process.exitCode = 130;
      return;
    }
    if (!talk) return;
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
}
