// Scoring a classifier on a labelled beat set: predictions, the classification report, and the
// misclassified beats (for the report's gallery).
import type { BeatSet } from "../dataset/beats.js";
import type { BeatClassifier, PredictOptions } from "../models/classifier.js";
import { argmaxRows, BEAT_LENGTH } from "../vocabulary.js";
import { type ClassificationReport, classificationReport, confusionMatrix } from "./metrics.js";
import type { MisclassifiedBeat } from "./results.js";

export interface Evaluation {
  report: ClassificationReport;
  probs: Float32Array;
  predicted: Uint8Array;
}

export interface EvaluateOptions extends PredictOptions {
  /**
   * The beats as the model takes them, when not as cut (patient-relative: dataset/rhythm-input.ts,
   * modelInput); `set.x` when absent.
   */
  beats?: Float32Array;
}

/** `opts.rhythm`: the set's rhythm features, for a model that takes them (dataset/rhythm-input.ts). */
export function evaluateClassifier(
  classifier: BeatClassifier,
  set: BeatSet,
  opts: EvaluateOptions = {},
): Evaluation {
  const k = classifier.classes.length;
  const { beats = set.x, ...predict } = opts;
  const probs = classifier.predictProba(beats, set.count, predict);
  const predicted = argmaxRows(probs, k);
  const report = classificationReport(confusionMatrix(set.y, predicted, k), [...classifier.classes]);
  return { report, probs, predicted };
}

/** Where row i of a set came from: its record, R-peak sample and (when known) time. */
export type BeatOrigin = (row: number) => { record: string; sample: number; seconds?: number } | undefined;

/**
 * Up to `limit` misclassified beats, spread over the (true, predicted) pairs so rare errors show too;
 * each with its record and time when `origin` knows them.
 */
export function misclassifiedBeats(
  set: BeatSet,
  ev: Evaluation,
  k: number,
  limit = 48,
  origin?: BeatOrigin,
): MisclassifiedBeat[] {
  const byPair = new Map<string, number[]>();
  for (let i = 0; i < set.count; i++) {
    if (set.y[i] === ev.predicted[i]) continue;
    const key = `${set.y[i]}-${ev.predicted[i]}`;
    const list = byPair.get(key) ?? [];
    if (list.length < limit) list.push(i);
    byPair.set(key, list);
  }
  const out: MisclassifiedBeat[] = [];
  const lists = [...byPair.values()];
  for (let round = 0; out.length < limit && lists.some((l) => l.length > round); round++) {
    for (const l of lists) {
      const i = l[round];
      if (i === undefined || out.length >= limit) continue;
      out.push({
        index: i,
        true: set.y[i]!,
        pred: ev.predicted[i]!,
        probs: Array.from(ev.probs.subarray(i * k, (i + 1) * k), (v) => Number(v.toFixed(5))),
        beat: Array.from(set.x.subarray(i * BEAT_LENGTH, (i + 1) * BEAT_LENGTH), (v) => Number(v.toFixed(4))),
        ...origin?.(i),
      });
    }
  }
  return out;
}
