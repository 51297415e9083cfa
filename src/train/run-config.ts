// TrainOptions ↔ the run's config.json (src/run-dir/schema.ts): the config a run records, the options a
// resumed run takes back from it, and the provenance its checkpoints carry.
import { existsSync } from "node:fs";
import path from "node:path";
import { META_FILE } from "../dataset/dataset-dir.js";
import { displayPath } from "../display-path.js";
import { RunDirError } from "../run-dir/errors.js";
import { readJsonFile } from "../run-dir/read.js";
import {
  type CheckpointProvenance,
  CheckpointProvenanceSchema,
  type DataConfig,
  type EpochMetrics,
  type RunConfig,
} from "../run-dir/schema.js";
import { PROJECT_VERSION } from "../version.js";
import type { TrainOptions } from "./options.js";
import { SETTING_KEYS, SETTINGS, type Section, type Setting, type Stored } from "./settings.js";

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
    ...(encodedSettings(opts, "data") as Pick<DataConfig, "dir" | "valFraction" | "limitBeats">),
    ...dataOrigin(opts.dataDir),
    valSplit: split.valSplit,
    ...(split.valRecords && { trainRecords: split.trainRecords, valRecords: split.valRecords }),
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

/** The settings config.json keeps in `section`, as it keeps them (those the run found aside). */
function encodedSettings(opts: TrainOptions, section: Section): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const row: Setting<unknown> = SETTINGS[key];
    const st = row.stored;
    if (st?.in !== section || st.byTheRun) continue;
    const v = opts[key] ?? (row.optional ? row.default : undefined);
    out[st.as] = st.encode ? st.encode(v) : v;
  }
  return out;
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
  const { preset, ...run } = encodedSettings(opts, "run");
  // The focal loss's settings are kept with it; another loss has none.
  const loss = {
    ...encodedSettings(opts, "loss"),
    ...(opts.loss === "focal" && encodedSettings(opts, "focal")),
  };
  return {
    preset,
    model: opts.model,
    data,
    optimizer: encodedSettings(opts, "optimizer"),
    loss,
    ...run,
    processes: opts.processes ?? 1,
    ...since,
  } as RunConfig;
}

/**
 * The options a run was configured by, from its config.json; a setting the config does not hold (the
 * focal settings of a cross-entropy run, this process's time budget) comes from `rest`.
 */
export function optionsFromRunConfig(config: RunConfig, rest: TrainOptions): TrainOptions {
  const sections: Record<Section, object> = {
    run: config,
    data: config.data,
    optimizer: config.optimizer,
    loss: config.loss,
    focal: config.loss.name === "focal" ? config.loss : {},
  };
  const out: Record<string, unknown> = { ...rest, model: config.model };
  for (const key of SETTING_KEYS) {
    const st: Stored<unknown> | undefined = SETTINGS[key].stored;
    if (!st) continue;
    const v = (sections[st.in] as Record<string, unknown>)[st.as];
    // What the run found (its validation split) is replayed as recorded, absent or not.
    if (v === undefined && !st.byTheRun) continue;
    out[key] = st.decode ? st.decode(v as never) : v;
  }
  return out as TrainOptions;
}

/**
 * The provenance a checkpoint written after `epoch` carries (the last checkpoint adds its loop state):
 * the settings that shaped its weights (all but this process's own: device, threads, time budget).
 */
export function checkpointProvenance(config: RunConfig, m: EpochMetrics): CheckpointProvenance {
  const shaping = Object.keys(CheckpointProvenanceSchema.shape.config.shape) as (keyof RunConfig)[];
  return {
    config: Object.fromEntries(
      shaping.map((k) => [k, config[k]]),
    ) as unknown as CheckpointProvenance["config"],
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
