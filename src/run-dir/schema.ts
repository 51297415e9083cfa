// The run directory `ecg train` writes and `ecg report` reads, declared once: its file names and the
// schema (type and validation in one) of every JSON file in it and of the provenance its checkpoints
// carry. The trainer writes these types; the readers (report, resume) parse with these schemas.
// Adding a field to a run file means adding it here, nowhere else.
import { z } from "zod";
import { ClassificationReportSchema, MeasuredNumber, MisclassifiedBeatSchema } from "../eval/results.js";
import { ModelConfigSchema, PRESET_NAMES } from "../models/config.js";
import { SCHEDULE_NAMES } from "../nn/optim/schedule.js";

/** The files of a run, in the order the report lists them. */
export const RUN_FILES = {
  config: "config.json",
  metrics: "metrics.jsonl",
  testEval: "test-eval.json",
  misclassified: "misclassified.json",
  best: "best.safetensors",
  last: "last.safetensors",
} as const;
export const RUN_FILE_NAMES: readonly string[] = Object.values(RUN_FILES);

/** Held while a process trains into the directory: its pid, host and start time. */
export const LOCK_FILE = "train.lock";
/** Where `ecg report RUN_DIR` writes its page by default: derived from the run, removed with it. */
export const REPORT_FILE = "report.html";

export const OPTIMIZER_NAMES = ["adabound", "amsbound", "adam", "adamw"] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];
export const LOSS_NAMES = ["focal", "ce"] as const;
export type LossName = (typeof LOSS_NAMES)[number];

const count = z.number().int().min(0);
const counts = z.array(count);

export const DeviceSchema = z.union([
  z.literal("cpu"),
  z.literal("cuda"),
  z.templateLiteral(["cuda:", z.number().int().min(0)]),
]);

export const DataConfigSchema = z.object({
  /** The dataset directory, absolute. */
  dir: z.string(),
  /** From the dataset's mitbih_dataset.json: "kaggle", "interpatient"; "external CSV" without one. */
  split: z.string().optional(),
  /** The seed of the dataset's split, from mitbih_dataset.json. */
  seed: z.number().int().optional(),
  /** Fraction of the training side held out, stratified, for model selection. */
  valFraction: z.number(),
  /** Beats of the training side used (a stratified seeded sample); 0: all. Older runs lack it. */
  limitBeats: count.default(0),
  /** Beats in the training and validation parts. */
  train: count,
  val: count,
  /** Beats of the test side; only hand-made or external runs say. */
  test: count.optional(),
  classCounts: z.object({ train: counts, val: counts, test: counts.optional() }),
});
export type DataConfig = z.infer<typeof DataConfigSchema>;

export const OptimizerConfigSchema = z.object({
  name: z.enum(OPTIMIZER_NAMES),
  lr: z.number(),
  /** AdaBound's final learning rate. */
  finalLr: z.number(),
  weightDecay: z.number(),
  schedule: z.enum(SCHEDULE_NAMES),
  warmupEpochs: z.number(),
});
export type OptimizerConfig = z.infer<typeof OptimizerConfigSchema>;

export const LossConfigSchema = z.discriminatedUnion("name", [
  z.object({
    name: z.literal("focal"),
    gamma: z.number(),
    alpha: z.array(z.number()),
    /** The seed detaches (1-p)^gamma from the gradient; --full-focal does not. */
    detachModulating: z.boolean(),
  }),
  z.object({ name: z.literal("ce") }),
]);
export type LossConfig = z.infer<typeof LossConfigSchema>;

/** One `--resume` that changed settings: what was changed, from what to what, and when. */
export const OverrideSchema = z.object({
  /** When the run was resumed (ISO 8601). */
  at: z.string(),
  /** Complete epochs at that moment. */
  epoch: count,
  /** By setting (its option name, e.g. "lr"): the value before and after. */
  changes: z.record(z.string(), z.object({ from: z.json(), to: z.json() })),
});
export type Override = z.infer<typeof OverrideSchema>;

/** config.json: what the run is configured by (the current settings; `overrides` says what changed). */
export const RunConfigSchema = z.object({
  preset: z.enum(PRESET_NAMES),
  model: ModelConfigSchema,
  data: DataConfigSchema,
  optimizer: OptimizerConfigSchema,
  loss: LossConfigSchema,
  epochs: z.number().int().min(1),
  /** Stop after this many optimizer steps in all; 0: no limit. Older runs lack it. */
  maxSteps: count.default(0),
  batch: z.number().int().min(1),
  seed: count,
  device: DeviceSchema,
  threads: z.number().int().min(1),
  /** Data-parallel processes (ranks) the run was started with. Older runs lack it. */
  processes: z.number().int().min(1).default(1),
  /** ecg-beats version that started the run. */
  version: z.string(),
  /** ISO 8601. */
  startedAt: z.string(),
  /** Every `--resume` that changed a setting, oldest first. Older runs lack it. */
  overrides: z.array(OverrideSchema).default([]),
});
export type RunConfig = z.infer<typeof RunConfigSchema>;

/** One line of metrics.jsonl: one epoch. */
export const EpochMetricsSchema = z.object({
  epoch: z.number().int().min(1),
  trainLoss: MeasuredNumber,
  trainAcc: MeasuredNumber,
  valLoss: MeasuredNumber,
  valAcc: MeasuredNumber,
  valMacroF1: MeasuredNumber,
  /** Learning rate at the epoch's last step. */
  lr: MeasuredNumber,
  seconds: MeasuredNumber,
  samplesPerSec: MeasuredNumber,
});
export type EpochMetrics = z.infer<typeof EpochMetricsSchema>;

/** test-eval.json: the best checkpoint scored on the dataset's test side. */
export const TestEvalSchema = ClassificationReportSchema;
/** misclassified.json: a sample of the test beats the best checkpoint got wrong. */
export const MisclassifiedSchema = z.array(MisclassifiedBeatSchema);

/** Where the training loop stands: in the last checkpoint's provenance, what --resume continues from. */
export const LoopStateSchema = z.object({
  /** Complete epochs. */
  epoch: count,
  /** Optimizer steps taken. */
  step: count,
  lr: z.number(),
  /** Best validation macro-F1 so far (-1 before the first epoch) and its epoch. */
  bestMacroF1: z.number(),
  bestEpoch: count,
});
export type LoopState = z.infer<typeof LoopStateSchema>;

/** The provenance every checkpoint of a run carries in its metadata (the last one adds `loop`). */
export const CheckpointProvenanceSchema = z.object({
  config: RunConfigSchema.pick({
    preset: true,
    data: true,
    optimizer: true,
    loss: true,
    batch: true,
    seed: true,
  }),
  /** Complete epochs when it was written. */
  epochs: count,
  version: z.string(),
  /** The validation figures of that epoch. */
  metrics: EpochMetricsSchema.pick({ valAcc: true, valMacroF1: true, valLoss: true }),
  loop: LoopStateSchema.optional(),
});
export type CheckpointProvenance = z.infer<typeof CheckpointProvenanceSchema>;
