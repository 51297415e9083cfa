// `ecg train`: parses the options, runs the training service (src/train/train-run.ts) and prints.
import { availableParallelism } from "node:os";
import path from "node:path";
import { threadsValue } from "../../compute-options.js";
import { requireSplit } from "../../dataset/beats.js";
import {
  backendFor,
  DistributedError,
  initProcessGroup,
  type ProcessGroup,
  type WorldInfo,
  worldFromEnv,
} from "../../engine/distributed.js";
import { InterruptedError, UsageError } from "../../errors.js";
import { formatReport } from "../../eval/metrics.js";
import { PRESET_NAMES, type PresetName, presetConfig } from "../../models/config.js";
import { SEED_GAMMA } from "../../nn/losses.js";
import { ADAMW_WEIGHT_DECAY } from "../../nn/optim/index.js";
import { SCHEDULE_NAMES } from "../../nn/optim/schedule.js";
import {
  LOSS_NAMES,
  OPTIMIZER_NAMES,
  RUN_FILES,
  SELECT_NAMES,
  VAL_SPLIT_NAMES,
} from "../../run-dir/schema.js";
import { type AugmentOptions, NO_AUGMENT } from "../../train/augment.js";
import { explainFailure } from "../../train/ddp.js";
import { LAUNCHER_PID_ENV } from "../../train/launch.js";
import {
  defaultEpochs,
  SETTING_KEYS,
  SETTINGS,
  type SettingKey,
  type TrainOptions,
} from "../../train/options.js";
import { settingByFlag } from "../../train/resume-options.js";
import { MAX_REPEAT } from "../../train/sampler.js";
import { trainRun } from "../../train/train-run.js";
import { CLASS_NAMES, N_CLASSES, SEED_ALPHA } from "../../vocabulary.js";
import { boolOpt, choiceOpt, numberOpt, requireString, stringOpt } from "../args.js";
import type { Command, ParsedArgs } from "../command.js";
import {
  checkJob,
  checkOutcome,
  isLaunch,
  LAUNCH_HELP,
  LAUNCH_OPTIONS,
  launchArgsFrom,
  launchSelf,
} from "../launch.js";
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

/** Each augmentation strength's option (--aug-*), its bound and its help. */
const AUGMENT_OPTIONS = {
  stretch: { flag: "aug-stretch", max: 0.5, help: "time stretch ±fraction" },
  amplitude: { flag: "aug-amplitude", max: 0.5, help: "amplitude scale ±fraction" },
  wander: { flag: "aug-wander", max: 0.5, help: "baseline wander amplitude, at most" },
  noise: { flag: "aug-noise", max: 0.5, help: "white-noise standard deviation, at most" },
  rate: { flag: "aug-rate", max: 1, help: "heart-rate scale of the R-R durations, ±fraction" },
  premature: {
    flag: "aug-premature",
    max: 1,
    help: "probability that an N beat in a regular rhythm gets the R-R features of a premature beat and the label S (default 0)",
  },
} as const satisfies Record<keyof AugmentOptions, { flag: string; max: number; help: string }>;
const AUGMENT_FLAGS = Object.values(AUGMENT_OPTIONS).map((o) => o.flag);

function augmentFrom(args: ParsedArgs): AugmentOptions {
  const on = boolOpt(args, "augment") || AUGMENT_FLAGS.some((f) => args.values[f] !== undefined);
  const base = on ? DEFAULT_AUGMENT : NO_AUGMENT;
  const out = { ...base };
  for (const [k, { flag, max }] of Object.entries(AUGMENT_OPTIONS) as [
    keyof AugmentOptions,
    { flag: string; max: number },
  ][]) {
    out[k] = numberOpt(args, flag, base[k], { min: 0, max });
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
  const resume = boolOpt(args, "resume");
  const out = stringOpt(args, "out");
  if (resume && out === undefined)
    throw new UsageError("--resume needs --out: the run directory to continue");
  const optimizer = choiceOpt(args, "optimizer", OPTIMIZER_NAMES, "adabound");
  return {
    // A resumed run takes its data directory from its config.json.
    dataDir: resume ? (stringOpt(args, "data") ?? "") : requireString(args, "data"),
    outDir:
      out ?? path.join("runs", `${preset}-${new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19)}`),
    preset,
    model: presetConfig(preset),
    epochs: numberOpt(args, "epochs", defaultEpochs(preset), { integer: true, min: 1 }),
    batch: numberOpt(args, "batch", 128, { integer: true, min: 1 }),
    lr: numberOpt(args, "lr", 1e-3, { min: 0 }),
    finalLr: numberOpt(args, "final-lr", 0.1, { min: 0 }),
    weightDecay: numberOpt(args, "weight-decay", optimizer === "adamw" ? ADAMW_WEIGHT_DECAY : 0, { min: 0 }),
    optimizer,
    loss: choiceOpt(args, "loss", LOSS_NAMES, "focal"),
    gamma: numberOpt(args, "gamma", SEED_GAMMA, { min: 0 }),
    alpha: parseAlpha(stringOpt(args, "alpha")),
    fullFocal: boolOpt(args, "full-focal"),
    schedule: choiceOpt(args, "schedule", SCHEDULE_NAMES, "constant"),
    warmupEpochs: numberOpt(args, "warmup-epochs", 0, { min: 0 }),
    valFraction: numberOpt(args, "val-fraction", 0.1, { min: 0.01, max: 0.5 }),
    valSplit: choiceOpt(args, "val-split", VAL_SPLIT_NAMES, "auto"),
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
    select: choiceOpt(args, "select", SELECT_NAMES, "macro-f1"),
    seed: numberOpt(args, "seed", 1, { integer: true, min: 0 }),
    device: choiceOpt(args, "device", ["cpu", "cuda"] as const, "cpu"),
    threads: numberOpt(args, "threads", availableParallelism(), { integer: true, min: 1 }),
    maxMinutes: numberOpt(args, "max-minutes", 0, { min: 0 }),
    maxSteps: numberOpt(args, "max-steps", 0, { integer: true, min: 0 }),
    limitBeats: numberOpt(args, "limit-beats", 0, { integer: true, min: 1 }),
    resume,
    overwrite: boolOpt(args, "overwrite"),
  };
}

/** The settings given on the command line, and those --override names. */
function givenSettings(args: ParsedArgs): { given: Set<SettingKey>; override: Set<SettingKey> } {
  // --max-repeat is part of the balance setting, each --aug-* of the augment setting.
  const alsoGiven: Partial<Record<SettingKey, string[]>> = {
    balance: ["max-repeat"],
    augment: AUGMENT_FLAGS,
  };
  const given = new Set(
    SETTING_KEYS.filter((k) =>
      [SETTINGS[k].flag, ...(alsoGiven[k] ?? [])].some((flag) => args.values[flag] !== undefined),
    ),
  );
  if (boolOpt(args, "resume"))
    for (const flag of ["val-split", "val-records"])
      if (args.values[flag] !== undefined)
        throw new UsageError(
          `--${flag}: a resumed run keeps the validation split it started with (config.json); leave it out`,
        );
  const raw = stringOpt(args, "override");
  if (raw !== undefined && !boolOpt(args, "resume"))
    throw new UsageError("--override only applies to --resume (a new run takes every option as given)");
  const override = new Set<SettingKey>();
  for (const flag of (raw ?? "")
    .split(",")
    .map((f) => f.trim().replace(/^--/, ""))
    .filter(Boolean)) {
    const key = settingByFlag(flag);
    if (!key)
      throw new UsageError(
        `--override ${flag}: no such option (${SETTING_KEYS.map((k) => SETTINGS[k].flag).join(", ")})`,
      );
    override.add(key);
  }
  return { given, override };
}

export const command: Command = {
  name: "train",
  summary: "train a model; writes a run directory (checkpoints, metrics log, config)",
  usage: `train --data DIR --preset ${PRESET_NAMES.join("|")} [--out DIR] [options]\n       ecg train --out DIR --resume [--override OPTIONS ...]`,
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
    ...Object.fromEntries(AUGMENT_FLAGS.map((f) => [f, { type: "string" } as const])),
    adversary: { type: "string" },
    select: { type: "string" },
    seed: { type: "string" },
    device: { type: "string" },
    threads: { type: "string" },
    "max-minutes": { type: "string" },
    "max-steps": { type: "string" },
    "limit-beats": { type: "string" },
    out: { type: "string" },
    resume: { type: "boolean" },
    overwrite: { type: "boolean" },
    override: { type: "string" },
    "no-test": { type: "boolean" },
    ...LAUNCH_OPTIONS,
  },
  optionHelp: {
    data: "dataset directory (ecg data build, or Kaggle's mitbih_train.csv/mitbih_test.csv)",
    preset:
      "compact (CPU), compact-rr (+ R-R features), compact-rr-rel (+ beats relative to the patient's template: for new patients), seed, seed-resnext (default compact)",
    epochs: "epochs (default 20 for compact, 200 for the seed presets)",
    batch: "global batch size, shared out among the --nproc processes (default 128)",
    lr: "learning rate (default 1e-3)",
    "final-lr": "AdaBound's final learning rate (default 0.1)",
    "weight-decay": `L2 penalty (AdamW: decoupled; default 0, AdamW ${ADAMW_WEIGHT_DECAY})`,
    optimizer: `${OPTIMIZER_NAMES.join(", ")} (default adabound)`,
    loss: "focal (default: gamma 2, the seed's alpha) or ce",
    gamma: "focal-loss gamma (default 2; 0 = weighted cross-entropy)",
    alpha: `focal-loss class weights ${CLASS_NAMES.join(",")} (default ${SEED_ALPHA.join(",")})`,
    "full-focal": "differentiate through (1-p)^gamma too (the seed detaches it)",
    schedule: `learning-rate schedule: ${SCHEDULE_NAMES.join(", ")} (default constant)`,
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
    ...Object.fromEntries(
      Object.values(AUGMENT_OPTIONS).map((o) => [o.flag, `${o.help} (turns --augment on)`]),
    ),
    adversary:
      "subject-adversarial weight: a head learns each training beat's patient from the CNN features, its gradient reversed into the network (default 0: off; one process only)",
    select: "what picks the best epoch: macro-f1 (default) or sv-f1 (mean F1 of S and V)",
    seed: "random seed (default 1): same seed, same result on the same machine",
    device: "cpu (default) or cuda",
    threads: "CPU threads per process (default: the cores, shared out among --nproc processes)",
    "max-minutes": "stop at the first epoch end past this budget (default: none)",
    "max-steps": "stop after N optimizer steps in all, validating and checkpointing there (a quick try)",
    "limit-beats": "train on a stratified seeded sample of N beats of the training side (a quick try)",
    out: "run directory (default runs/<preset>-<time>); one that holds a run needs --resume or --overwrite",
    resume: "continue the run in --out from its last complete epoch, with the settings of its config.json",
    overwrite: "start afresh in an --out that holds a run (its run files are removed, nothing else)",
    override:
      "with --resume: the options that may differ from the run's, e.g. epochs,lr (recorded in config.json)",
    "no-test": "skip the final evaluation on mitbih_test.csv",
    ...LAUNCH_HELP,
  },
  examples: [
    "ecg train --data data/kaggle --preset compact --epochs 14 --out runs/compact-kaggle",
    "ecg train --data data/kaggle --preset compact --max-steps 50 --limit-beats 5000 --out runs/try --overwrite",
    "ecg train --out runs/compact-kaggle --resume",
    "ecg train --out runs/compact-kaggle --resume --epochs 30 --override epochs",
    "ecg train --data data/kaggle --preset compact --nproc 2 --threads 1 --out runs/compact-ddp",
    "ecg train --data data/interpatient --preset compact-rr-rel --balance 0.3 --augment --select sv-f1 --out runs/rr",
  ],
  async run(args) {
    const launch = launchArgsFrom(args);
    const options = trainOptionsFrom(args);
    const launching = isLaunch(launch, options.batch);
    if (options.adversary > 0 && (launching || (worldFromEnv()?.worldSize ?? 1) > 1))
      throw new UsageError(
        "--adversary trains in one process (its head is not data-parallel): leave out --nproc",
      );
    if (launching) {
      if (!options.resume) requireSplit(options.dataDir, "train");
      checkJob(options.device, launch);
      // This process only starts and watches the workers: each re-runs this command as one rank.
      const threads = String(threadsValue(stringOpt(args, "threads"), launch.nprocPerNode));
      const outcome = await launchSelf(["train"], args, command.options, launch, {
        threads,
        out: options.outDir,
      });
      checkOutcome(
        outcome,
        `; the last complete epoch is in ${displayPath(options.outDir)} (continue with --resume)`,
      );
      return;
    }
    const world = worldFromEnv();
    if (world && world.worldSize > 1) await runWorker(args, options, world, launch.timeoutSeconds);
    else await runTraining(args, options);
  },
};

/** One rank of a launched job: joins the process group, trains; rank 0 alone talks and writes. */
async function runWorker(args: ParsedArgs, opts: TrainOptions, world: WorldInfo, timeoutSeconds: number) {
  const device = opts.device === "cpu" ? opts.device : (`cuda:${world.localRank}` as const);
  const { store, group } = initProcessGroup(world, { backend: backendFor(opts.device), timeoutSeconds });
  try {
    await runTraining(args, { ...opts, device, processes: world.worldSize }, group);
  } catch (e) {
    throw e instanceof DistributedError ? explainFailure(e, store, world.rank, world.worldSize) : e;
  } finally {
    group.shutdown();
  }
}

/** Trains in this process: alone, or as one rank of `group` (rank 0 alone reports and writes). */
async function runTraining(args: ParsedArgs, options: TrainOptions, group?: ProcessGroup): Promise<void> {
  const { given, override } = givenSettings(args);
  const talk = (group?.rank ?? 0) === 0;
  const tell = (line: string) => {
    if (talk) info(line);
  };
  // A worker whose launcher is gone stops like Ctrl-C, at the same batch as the others.
  const launcherPid = Number(process.env[LAUNCHER_PID_ENV] ?? Number.NaN);
  const orphaned = () => group !== undefined && Number.isInteger(launcherPid) && process.ppid !== launcherPid;
  let stopRequested = false;
  const onSigint = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    tell(
      "\nstopping after this batch (Ctrl-C again to quit now); the last complete checkpoint stays intact; continue with --resume",
    );
  };
  process.on("SIGINT", onSigint);
  // A worker of our launcher hears Ctrl-C as lines on its stdin (launch.ts: STOP_LINE).
  const launched = group !== undefined && Number.isInteger(launcherPid);
  const onStopLines = (chunk: Buffer) => {
    for (const c of chunk) if (c === 0x0a) onSigint();
  };
  if (launched) process.stdin.on("data", onStopLines);
  let bar: ProgressBar | undefined;
  let epochs = options.epochs;
  let batch = options.batch;
  try {
    const run = await trainRun(
      { options, given, override, test: !boolOpt(args, "no-test") },
      {
        onNote: tell,
        onStart: (s) => {
          // A resumed run's settings come from its config.json: print those.
          const o = s.options;
          epochs = o.epochs;
          batch = o.batch;
          tell(
            `training ${o.preset} (${s.params.toLocaleString("en-US")} parameters) on ${s.trainCount.toLocaleString("en-US")} beats, validating on ${s.valCount.toLocaleString("en-US")}` +
              (s.valRecords ? ` (records ${s.valRecords.join(" ")})` : "") +
              "; " +
              `${o.optimizer}, ${o.loss} loss, batch ${o.batch}, ${group ? `${group.size} processes × ` : ""}${o.threads} threads, ${o.device}` +
              (s.startEpoch > o.epochs
                ? `; all ${o.epochs} epochs done`
                : s.startEpoch > 1
                  ? `; resuming at epoch ${s.startEpoch}`
                  : ""),
          );
        },
        onBatch: (b) => {
          if (!talk) return;
          if (b.batch === 1)
            bar = new ProgressBar({
              label: `epoch ${b.epoch}/${epochs}`,
              total: b.batches * batch,
              unit: "beats",
            });
          bar?.update(b.batch * batch, `loss ${b.loss.toFixed(4)} acc ${(b.acc * 100).toFixed(2)}%`);
        },
        onEpoch: (m, isBest) => {
          bar?.finish();
          tell(
            `epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(4)} acc ${(m.trainAcc * 100).toFixed(2)}% | val loss ${m.valLoss.toFixed(4)} ` +
              `acc ${(m.valAcc * 100).toFixed(2)}% macro-F1 ${m.valMacroF1.toFixed(4)}${m.valS && m.valV ? ` S ${pct(m.valS.se)}/${pct(m.valS.ppv)} V ${pct(m.valV.se)}/${pct(m.valV.ppv)}` : ""}${isBest ? " (best)" : ""} | ${formatDuration(m.seconds)}, ${Math.round(m.samplesPerSec)} beats/s`,
          );
        },
        onTestStart: (file) => tell(`scoring the best checkpoint on ${displayPath(file)}`),
        shouldStop: () => stopRequested || orphaned(),
      },
      group,
    );
    const { training, test } = run;
    if (stopRequested || orphaned()) {
      bar?.finish();
      // Rank 0 says it; the other ranks end the same way, quietly.
      if (!talk) {
        process.exitCode = 130;
        return;
      }
      throw new InterruptedError(
        `${training.epochsDone} complete epoch(s) in ${displayPath(run.options.outDir)}; continue with --resume`,
      );
    }
    if (!talk) return;
    if (training.stoppedBy === "max-steps") info(`stopped at --max-steps ${run.options.maxSteps}`);
    info(
      `best epoch ${training.best.epoch} (validation ${run.options.select} ${training.best.score.toFixed(4)}) → ${displayPath(path.join(run.options.outDir, RUN_FILES.best))}`,
    );
    if (test) {
      println(`test set (${displayPath(test.file)}), best checkpoint:`);
      println(formatReport(test.report));
    }
  } finally {
    process.off("SIGINT", onSigint);
    if (launched) {
      process.stdin.off("data", onStopLines);
      process.stdin.destroy();
    }
  }
}
