// Everything a training run is configured by; saved as the run's config.json.
import type { Device } from "../engine/index.js";
import type { ModelConfig, PresetName } from "../models/config.js";
import type { ScheduleName } from "../nn/optim/index.js";
import type { AugmentOptions } from "./augment.js";
import type { BalanceOptions } from "./epoch-order.js";

export type OptimizerName = "adabound" | "amsbound" | "adam" | "adamw";
export type LossName = "focal" | "ce";
/** How validation is split off the training side: by record for inter-patient data ("auto"), or as named. */
export type ValSplitName = "auto" | "records" | "stratified";
/** What picks the best epoch: validation macro-F1, or the mean F1 of S and V (the inter-patient task). */
export type SelectName = "macro-f1" | "sv-f1";

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
  /** Stop after this many minutes (at an epoch boundary); 0 for no limit. */
  maxMinutes: number;
  resume: boolean;
}

/** Per-preset epochs when none is given: the seed's 200 for its GPU models, a CPU budget for compact. */
export function defaultEpochs(preset: PresetName): number {
  return preset.startsWith("compact") ? 20 : 200;
}
