// The run directory `ecg train` writes and `ecg report` reads, declared once: its file names and the
// schema (type and validation in one) of every JSON file in it and of the provenance its checkpoints
// carry. The trainer writes these types; the readers (report, resume) parse with these schemas.
// Adding a field to a run file means adding it here, nowhere else; except a training setting's, which
// is a row of the settings table (src/train/settings.ts): config.json's sections are built from it.
import { z } from "zod";
import { ClassificationReportSchema, MeasuredNumber, MisclassifiedBeatSchema } from "../eval/results.js";
import { ModelConfigSchema } from "../models/config.js";
import { type LOSS_NAMES, shapingShape, storedShape } from "../train/settings.js";

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

const count = z.number().int().min(0);
const counts = z.array(count);

export const DataConfigSchema = z.object({
  /** The dataset directory (absolute), the validation fraction, split and records, the beats used. */
  ...storedShape("data"),
  /** From the dataset's mitbih_dataset.json: "kaggle", "interpatient"; "external CSV" without one. */
  split: z.string().optional(),
  /** The seed of the dataset's split, from mitbih_dataset.json. */
  seed: z.number().int().optional(),
  /** With a record split: the records trained on (valRecords: those held out). */
  trainRecords: z.array(z.string()).optional(),
  /** Beats in the training and validation parts. */
  train: count,
  val: count,
  /** Beats of the test side; only hand-made or external runs say. */
  test: count.optional(),
  classCounts: z.object({ train: counts, val: counts, test: counts.optional() }),
});
export type DataConfig = z.infer<typeof DataConfigSchema>;

export const OptimizerConfigSchema = z.object(storedShape("optimizer"));
export type OptimizerConfig = z.infer<typeof OptimizerConfigSchema>;

/** The loss, by name, with the settings of every loss (the "loss" part) and the focal loss's own. */
const { name: _lossName, ...lossSettings } = storedShape("loss");
export const LossConfigSchema = z.discriminatedUnion("name", [
  z.object({ name: z.literal("focal"), ...lossSettings, ...storedShape("focal") }),
  z.object({ name: z.literal("ce"), ...lossSettings }),
] as const satisfies readonly z.ZodObject<{ name: z.ZodLiteral<(typeof LOSS_NAMES)[number]> }>[]);
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

const { preset, ...runSettings } = storedShape("run");
/** config.json: what the run is configured by (the current settings; `overrides` says what changed). */
export const RunConfigSchema = z.object({
  preset,
  model: ModelConfigSchema,
  data: DataConfigSchema,
  optimizer: OptimizerConfigSchema,
  loss: LossConfigSchema,
  /** The rest of the settings (the epoch order, augmentation, selection, epochs, batch, seed, device…). */
  ...runSettings,
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
  /**
   * The settings that shaped the weights: config.json's but for this process's own (device, threads)
   * and the job's facts. Older checkpoints lack some (the epoch order, augmentation, selection…).
   */
  config: RunConfigSchema.pick({ preset: true, data: true, optimizer: true, loss: true }).extend(
    shapingShape(),
  ),
  /** Complete epochs when it was written. */
  epochs: count,
  version: z.string(),
  /** The validation figures of that epoch. */
  metrics: EpochMetricsSchema.pick({ valAcc: true, valMacroF1: true, valScore: true, valLoss: true }),
  loop: LoopStateSchema.optional(),
});
export type CheckpointProvenance = z.infer<typeof CheckpointProvenanceSchema>;
