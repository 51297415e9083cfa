// TrainOptions ↔ the run's config.json (src/run-dir/schema.ts): the config a run records, the options a
// resumed run takes back from it, and the provenance its checkpoints carry.
import { existsSync } from "node:fs";
import path from "node:path";
import { META_FILE } from "../dataset/dataset-dir.js";
import { displayPath } from "../display-path.js";
import { RunDirError } from "../run-dir/errors.js";
import { readJsonFile } from "../run-dir/read.js";
import type { CheckpointProvenance, DataConfig, EpochMetrics, RunConfig } from "../run-dir/schema.js";
import { PROJECT_VERSION } from "../version.js";
import type { TrainOptions } from "./options.js";

const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);

/** Where the dataset came from, as its mitbih_dataset.json says (a folder of Kaggle CSVs has none). */
export function dataOrigin(dir: string): Pick<DataConfig, "split" | "seed"> {
  const file = path.join(dir, META_FILE);
  if (!existsSync(file)) return { split: "external CSV" };
  const meta = readJsonFile(file);
  if (typeof meta !== "object" || meta === null) return {};
  const { split, seed } = meta as Record<string, unknown>;
  return {
    ...(typeof split === "string" && { split }),
    ...(typeof seed === "number" && Number.isInteger(seed) && { seed }),
  };
}

/** The data section of a new run's config: the dataset, the split of its training side, the counts. */
export function dataConfig(
  opts: TrainOptions,
  split: Pick<DataConfig, "valSplit" | "trainRecords" | "valRecords">,
  classCounts: { train: number[]; val: number[] },
): DataConfig {
  return {
    dir: path.resolve(opts.dataDir),
    ...dataOrigin(opts.dataDir),
    valFraction: opts.valFraction,
    valSplit: split.valSplit,
    ...(split.valRecords && { trainRecords: split.trainRecords, valRecords: split.valRecords }),
    limitBeats: opts.limitBeats ?? 0,
    train: sum(classCounts.train),
    val: sum(classCounts.val),
    classCounts,
  };
}

/**
 * A resumed run must see the beats it started with: the class counts of its training and validation
 * parts, recomputed from the data now, must equal those config.json recorded.
 */
export function checkSameData(configFile: string, recorded: DataConfig, now: DataConfig): void {
  const same = JSON.stringify(recorded.classCounts) === JSON.stringify(now.classCounts);
  if (same) return;
  const shown = (d: DataConfig) =>
    `train ${d.classCounts.train.join("/")}, val ${d.classCounts.val.join("/")}`;
  throw new RunDirError(
    configFile,
    `the training data changed since the run started (${shown(recorded)} then, ${shown(now)} now in ${displayPath(now.dir)}): resume with the same data, or start afresh with --overwrite`,
  );
}

/** The run's config.json for these options (`since`: what a resumed run keeps from its start). */
export function runConfig(
  opts: TrainOptions,
  data: DataConfig,
  since: Pick<RunConfig, "version" | "startedAt" | "overrides"> = {
    version: PROJECT_VERSION,
    startedAt: new Date().toISOString(),
    overrides: [],
  },
): RunConfig {
  return {
    preset: opts.preset,
    model: opts.model,
    data,
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
    sampler: opts.balance ? { name: "balanced", ...opts.balance } : { name: "shuffle" },
    augment: opts.augment,
    adversary: opts.adversary,
    select: opts.select,
    epochs: opts.epochs,
    maxSteps: opts.maxSteps ?? 0,
    batch: opts.batch,
    seed: opts.seed,
    device: opts.device,
    threads: opts.threads,
    processes: opts.processes ?? 1,
    ...since,
  };
}

/**
 * The options a run was configured by, from its config.json; what the config does not hold (the focal
 * settings of a cross-entropy run, this process's time budget) comes from `rest`.
 */
export function optionsFromRunConfig(config: RunConfig, rest: TrainOptions): TrainOptions {
  const focal = config.loss.name === "focal" ? config.loss : undefined;
  return {
    ...rest,
    dataDir: config.data.dir,
    preset: config.preset,
    model: config.model,
    epochs: config.epochs,
    maxSteps: config.maxSteps,
    batch: config.batch,
    lr: config.optimizer.lr,
    finalLr: config.optimizer.finalLr,
    weightDecay: config.optimizer.weightDecay,
    optimizer: config.optimizer.name,
    schedule: config.optimizer.schedule,
    warmupEpochs: config.optimizer.warmupEpochs,
    loss: config.loss.name,
    gamma: focal?.gamma ?? rest.gamma,
    alpha: focal?.alpha ?? rest.alpha,
    fullFocal: focal ? !focal.detachModulating : rest.fullFocal,
    valFraction: config.data.valFraction,
    // The stored split is replayed exactly: by record with the records it held out, or by beats.
    valSplit: config.data.valSplit,
    valRecords: config.data.valRecords,
    balance:
      config.sampler.name === "balanced"
        ? { power: config.sampler.power, maxRepeat: config.sampler.maxRepeat }
        : undefined,
    augment: config.augment,
    adversary: config.adversary,
    select: config.select,
    limitBeats: config.data.limitBeats,
    seed: config.seed,
    device: config.device,
    threads: config.threads,
  };
}

/** The provenance a checkpoint written after `epoch` carries (the last checkpoint adds its loop state). */
export function checkpointProvenance(config: RunConfig, m: EpochMetrics): CheckpointProvenance {
  return {
    config: {
      preset: config.preset,
      data: config.data,
      optimizer: config.optimizer,
      loss: config.loss,
      sampler: config.sampler,
      augment: config.augment,
      select: config.select,
      epochs: config.epochs,
      batch: config.batch,
      seed: config.seed,
      adversary: config.adversary,
    },
    epochs: m.epoch,
    version: PROJECT_VERSION,
    metrics: {
      valAcc: m.valAcc,
      valMacroF1: m.valMacroF1,
      ...(m.valScore !== undefined && { valScore: m.valScore }),
      valLoss: m.valLoss,
    },
  };
}
