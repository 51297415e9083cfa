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
/** How validation is split off the training side: by record for inter-patient data ("auto"), or as named. */
export const VAL_SPLIT_NAMES = ["auto", "records", "stratified"] as const;
export type ValSplitName = (typeof VAL_SPLIT_NAMES)[number];
/** What picks the best epoch: validation macro-F1, or the mean F1 of S and V (the inter-patient task). */
export const SELECT_NAMES = ["macro-f1", "sv-f1"] as const;
export type SelectName = (typeof SELECT_NAMES)[number];

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
  /**
   * Fraction of the training side held out for model selection: of the beats (stratified), or, split
   * by record, about that share of the S and V beats in whole records.
   */
  valFraction: z.number(),
  /** How validation was split off: whole records (patients) or beats. Older runs lack it: beats. */
  valSplit: z.enum(["records", "stratified"]).default("stratified"),
  /** With a record split: the records on each side. */
  trainRecords: z.array(z.string()).optional(),
  valRecords: z.array(z.string()).optional(),
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

/** Class-balanced epochs (src/train/sampler.ts: balancedOrder). */
export const BalanceConfigSchema = z.object({
  /** Exponent on each class's count: 1 draws as the data is, 0 draws every class equally. */
  power: z.number().min(0).max(1),
  /** No beat is drawn more often than this per epoch (a class of 8 beats must not fill a tenth of it). */
  maxRepeat: z.number().min(1),
});
export type BalanceConfig = z.infer<typeof BalanceConfigSchema>;
/** The order of an epoch's beats (src/train/sampler.ts): every beat once, or class-balanced draws. */
export const SamplerConfigSchema = z.discriminatedUnion("name", [
  z.object({ name: z.literal("shuffle") }),
  BalanceConfigSchema.extend({ name: z.literal("balanced") }),
]);
export type SamplerConfig = z.infer<typeof SamplerConfigSchema>;

const strength = z.number().min(0);
/** On-the-fly augmentation strengths (src/train/augment.ts applies them); all 0: off. */
export const AugmentConfigSchema = z.object({
  /** Time stretch: factor drawn from [1 − stretch, 1 + stretch]. */
  stretch: strength,
  /** Amplitude: factor drawn from [1 − amplitude, 1 + amplitude]. */
  amplitude: strength,
  /** Baseline wander: a sinusoid of 0.1-0.6 Hz, amplitude drawn from [0, wander]. */
  wander: strength,
  /** White noise: standard deviation drawn from [0, noise]. */
  noise: strength,
  /** Heart rate: the rhythm features in seconds times a factor drawn log-uniformly from [1/(1+r), 1+r]. */
  rate: strength,
  /** Probability that an N beat in a regular rhythm becomes a synthetic premature (S) beat. */
  premature: z.number().min(0).max(1),
});
export type AugmentConfig = z.infer<typeof AugmentConfigSchema>;
export const NO_AUGMENT: AugmentConfig = {
  stretch: 0,
  amplitude: 0,
  wander: 0,
  noise: 0,
  rate: 0,
  premature: 0,
};

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
  /** Older runs lack the next four: shuffled epochs, no augmentation, no adversary, macro-F1. */
  sampler: SamplerConfigSchema.default({ name: "shuffle" }),
  augment: AugmentConfigSchema.default(NO_AUGMENT),
  /** Subject-adversarial loss weight (src/train/adversary.ts); 0: off. */
  adversary: z.number().min(0).default(0),
  select: z.enum(SELECT_NAMES).default("macro-f1"),
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

/** Sensitivity and positive predictivity of one class. */
export const SePpvSchema = z.object({ se: MeasuredNumber, ppv: MeasuredNumber });
export type SePpv = z.infer<typeof SePpvSchema>;

/** One line of metrics.jsonl: one epoch. */
export const EpochMetricsSchema = z.object({
  epoch: z.number().int().min(1),
  trainLoss: MeasuredNumber,
  trainAcc: MeasuredNumber,
  valLoss: MeasuredNumber,
  valAcc: MeasuredNumber,
  valMacroF1: MeasuredNumber,
  /** What selects the best epoch (the run's `select`); older runs lack it (it was valMacroF1). */
  valScore: MeasuredNumber.optional(),
  /** Validation sensitivity and +P of S and V (the inter-patient task's figures). Older runs lack them. */
  valS: SePpvSchema.optional(),
  valV: SePpvSchema.optional(),
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
  /**
   * Best validation score so far (the run's `select`: macro-F1 unless sv-f1; -1 before the first
   * epoch) and its epoch. The name predates the choice; checkpoints keep it.
   */
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
    adversary: true,
  }).extend({
    // What chose this checkpoint among the epochs, and how its batches were drawn. Older runs lack them.
    sampler: SamplerConfigSchema.optional(),
    augment: AugmentConfigSchema.optional(),
    select: z.enum(SELECT_NAMES).optional(),
    /** Epochs the run planned (`epochs` below: those complete). */
    epochs: z.number().int().min(1).optional(),
  }),
  /** Complete epochs when it was written. */
  epochs: count,
  version: z.string(),
  /** The validation figures of that epoch. */
  metrics: EpochMetricsSchema.pick({ valAcc: true, valMacroF1: true, valScore: true, valLoss: true }),
  loop: LoopStateSchema.optional(),
});
export type CheckpointProvenance = z.infer<typeof CheckpointProvenanceSchema>;
