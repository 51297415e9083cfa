// The JSON shapes of an evaluation, declared once as schemas (type and validation in one): the
// classification report (`ecg eval --json`, a run's test-eval.json) and the misclassified beats (a run's
// misclassified.json). Pure data: importing this loads no engine.
import { z } from "zod";

/** A measured number. JSON writes NaN (a diverged loss, a 0/0) as null: it reads back as NaN. */
export const MeasuredNumber = z.union([z.number(), z.null().transform(() => Number.NaN)]);

export const ClassMetricsSchema = z.object({
  class: z.string(),
  /** Beats whose true class is this one (the row sum). */
  support: z.number().int().min(0),
  /** TP / (TP + FN): recall. */
  sensitivity: z.number(),
  /** TN / (TN + FP). */
  specificity: z.number(),
  /** TP / (TP + FP): positive predictivity (+P). */
  precision: z.number(),
  /** 2·TP / (2·TP + FP + FN): the harmonic mean of precision and sensitivity. */
  f1: z.number(),
});
export type ClassMetrics = z.infer<typeof ClassMetricsSchema>;

/** Square matrix of counts: rows are the true class, columns the predicted class. */
export const ConfusionMatrixSchema = z.array(z.array(z.number().int().min(0)));
export type ConfusionMatrix = z.infer<typeof ConfusionMatrixSchema>;

export const ClassificationReportSchema = z.object({
  /** Correct / total. */
  accuracy: z.number(),
  /** Unweighted mean of the per-class F1 over all classes (classes without support included, with F1 0). */
  macroF1: z.number(),
  classes: z.array(z.string()),
  perClass: z.array(ClassMetricsSchema),
  /** Rows true, columns predicted, in the order of `classes`. */
  confusion: ConfusionMatrixSchema,
});
export type ClassificationReport = z.infer<typeof ClassificationReportSchema>;

export const MisclassifiedBeatSchema = z.object({
  /** Row of the beat in the evaluated set. */
  index: z.number().int().min(0),
  true: z.number().int().min(0),
  pred: z.number().int().min(0),
  /** The classifier's probabilities (rounded to 5 decimals). */
  probs: z.array(MeasuredNumber),
  /** The beat (BEAT_LENGTH samples), scaled to [0, 1] as the model saw it. */
  beat: z.array(z.number()),
  /**
   * Where it came from, when the dataset's index says (`ecg data build`): the record, its R peak (a
   * sample at the record's rate) and that time in seconds (when the dataset names the record's rate).
   */
  record: z.string().optional(),
  sample: z.number().int().min(0).optional(),
  seconds: z.number().min(0).optional(),
});
export type MisclassifiedBeat = z.infer<typeof MisclassifiedBeatSchema>;
