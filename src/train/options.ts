// What a training run is given: its settings (the table of src/train/settings.ts, recorded in the run's
// config.json), and where it goes and how this process treats the directory (not settings of the run).
import type { ModelConfig } from "../models/config.js";
import type { SettingValues } from "./settings.js";

export type { LossName, OptimizerName, SelectName, SettingKey, ValSplitName } from "./settings.js";

export type TrainOptions = SettingValues & {
  outDir: string;
  /** The network the preset names (presetConfig), recorded in config.json. */
  model: ModelConfig;
  /** Continue the run in outDir from its last checkpoint. */
  resume: boolean;
  /** Start afresh in an outDir that holds a run, removing that run's files. */
  overwrite?: boolean;
  /**
   * Data-parallel processes training the run (c10d ranks, src/train/ddp.ts; absent: one). A fact of
   * the job, not a setting: recorded in config.json, free to differ on --resume.
   */
  processes?: number;
};
