// Everything a training run is configured by (recorded in the run's config.json), and how each setting
// behaves when a run is resumed.
import type { Device } from "../engine/index.js";
import type { ModelConfig, PresetName } from "../models/config.js";
import type { ScheduleName } from "../nn/optim/schedule.js";
import type { LossName, OptimizerName, SelectName, ValSplitName } from "../run-dir/schema.js";
import type { AugmentOptions } from "./augment.js";
import type { BalanceOptions } from "./sampler.js";

export type { LossName, OptimizerName, SelectName, ValSplitName } from "../run-dir/schema.js";

export interface TrainOptions {
  dataDir: string;
  outDir: string;
  preset: PresetName;
  model: ModelConfig;
  epochs: number;
  batch: number;
  lr: number;
  /** AdaBound's final learning rate. */
  finalLr: number;
  weightDecay: number;
  optimizer: OptimizerName;
  loss: LossName;
  gamma: number;
  alpha: number[];
  /** Focal loss: differentiate through (1-p)^gamma too (the seed detaches it). */
  fullFocal: boolean;
  schedule: ScheduleName;
  warmupEpochs: number;
  /**
   * Fraction of the training side held out for model selection: of the beats (stratified), or, split by
   * record, about that share of the S and V beats in whole records.
   */
  valFraction: number;
  /**
   * How validation is split off. Not a resumable setting: a resumed run replays the split its
   * config.json records (by record: the very records), whatever the request said.
   */
  valSplit: ValSplitName;
  /** Records to hold out (a record split); undefined: chosen by chooseValidationRecords. */
  valRecords: string[] | undefined;
  /** Class-balanced epochs; undefined: every beat once per epoch, shuffled. */
  balance: BalanceOptions | undefined;
  augment: AugmentOptions;
  /** Subject-adversarial loss weight (src/train/adversary.ts); 0: off. */
  adversary: number;
  select: SelectName;
  seed: number;
  device: Device;
  threads: number;
  /**
   * Data-parallel processes training the run (c10d ranks, src/train/ddp.ts; absent: one). A fact of
   * the job, not a setting: recorded in config.json, free to differ on --resume.
   */
  processes?: number;
  /** Stop after this many minutes (at an epoch boundary); 0 for no limit. */
  maxMinutes: number;
  /** Stop after this many optimizer steps in all (a partial last epoch is validated and checkpointed); 0 or absent for no limit. */
  maxSteps?: number;
  /** Train on a stratified seeded sample of this many beats of the training side; 0 or absent for all. */
  limitBeats?: number;
  /** Continue the run in outDir from its last checkpoint. */
  resume: boolean;
  /** Start afresh in an outDir that holds a run, removing that run's files. */
  overwrite?: boolean;
}

/** The settings a run is made of (not where it is, nor how this process treats the directory). */
export type SettingKey = Exclude<
  keyof TrainOptions,
  "outDir" | "model" | "resume" | "overwrite" | "processes" | "valSplit" | "valRecords"
>;

/**
 * How each setting behaves on --resume, with its command-line name: "fixed" (the checkpoint or the
 * data split depends on it: it cannot change), "override" (changes only when --override names it, and
 * the change is recorded), "free" (a property of this process, not of the run: it may change; a change
 * is recorded).
 */
export const SETTINGS: Record<SettingKey, { flag: string; onResume: "fixed" | "override" | "free" }> = {
  dataDir: { flag: "data", onResume: "fixed" },
  preset: { flag: "preset", onResume: "fixed" },
  batch: { flag: "batch", onResume: "fixed" },
  valFraction: { flag: "val-fraction", onResume: "fixed" },
  seed: { flag: "seed", onResume: "fixed" },
  limitBeats: { flag: "limit-beats", onResume: "fixed" },
  optimizer: { flag: "optimizer", onResume: "fixed" },
  epochs: { flag: "epochs", onResume: "override" },
  maxSteps: { flag: "max-steps", onResume: "override" },
  lr: { flag: "lr", onResume: "override" },
  finalLr: { flag: "final-lr", onResume: "override" },
  weightDecay: { flag: "weight-decay", onResume: "override" },
  schedule: { flag: "schedule", onResume: "override" },
  warmupEpochs: { flag: "warmup-epochs", onResume: "override" },
  loss: { flag: "loss", onResume: "override" },
  gamma: { flag: "gamma", onResume: "override" },
  alpha: { flag: "alpha", onResume: "override" },
  fullFocal: { flag: "full-focal", onResume: "override" },
  balance: { flag: "balance", onResume: "override" },
  augment: { flag: "augment", onResume: "override" },
  adversary: { flag: "adversary", onResume: "fixed" },
  select: { flag: "select", onResume: "override" },
  device: { flag: "device", onResume: "free" },
  threads: { flag: "threads", onResume: "free" },
  maxMinutes: { flag: "max-minutes", onResume: "free" },
};
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** Per-preset epochs when none is given: the seed's 200 for its GPU models, a CPU budget for compact. */
export function defaultEpochs(preset: PresetName): number {
  return preset.startsWith("compact") ? 20 : 200;
}
