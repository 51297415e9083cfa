// Everything a training run is configured by; saved as the run's config.json.
import type { Device } from "../engine/index.js";
import type { ModelConfig, PresetName } from "../models/config.js";
import type { ScheduleName } from "../nn/optim/index.js";

export type OptimizerName = "adabound" | "amsbound" | "adam" | "adamw";
export type LossName = "focal" | "ce";

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
  /** Fraction of the training side held out, stratified, for model selection. */
  valFraction: number;
  seed: number;
  device: Device;
  threads: number;
  /** Stop after this many minutes (at an epoch boundary); 0 for no limit. */
  maxMinutes: number;
  resume: boolean;
}

/** Per-preset epochs when none is given: the seed's 200 for its GPU models, a CPU budget for compact. */
export function defaultEpochs(preset: PresetName): number {
  return preset === "compact" ? 20 : 200;
}
