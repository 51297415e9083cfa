// Whole-record classification: R peaks (detected, or given), beats cut by the Kachuee pipeline,
// class probabilities from a BeatClassifier in batches, one label per beat.

import { kachueeBeats } from "../dataset/kachuee.js";
import { UserError } from "../errors.js";
import type { BeatClassifier } from "../models/classifier.js";
import { detectQrs } from "../qrs/detect.js";
import type { PanTompkinsOptions } from "../qrs/pan-tompkins.js";
import { argmaxRows, BEAT_LENGTH, CLASS_NAMES } from "../vocabulary.js";

/** The part of a classifier this pipeline needs (a BeatClassifier, or a stand-in in tests). */
export type BeatProbabilities = Pick<BeatClassifier, "classes" | "predictProba">;

export interface ClassifiedBeats {
  /** R-peak samples at the record's rate, increasing. */
  sample: Int32Array;
  /** AAMI class 0..4 (N S V F Q) per beat: the most probable. */
  label: Uint8Array;
  /** count × N_CLASSES softmax probabilities, CLASS_NAMES order. */
  proba: Float32Array;
  count: number;
}

export interface ClassifySignalOptions {
  /** Beat positions to use instead of detecting them. */
  peaks?: ArrayLike<number>;
  detector?: Partial<PanTompkinsOptions>;
  /** Beats per predictProba call (bounds the memory of one call). */
  batchSize?: number;
}

/** Checks that a classifier speaks the five AAMI classes in the project's order. */
export function checkClasses(classifier: BeatProbabilities, file: string): void {
  const got = classifier.classes.join(",");
  if (got !== CLASS_NAMES.join(",")) {
    throw new UserError(`${file}: the model's classes are ${got}, not ${CLASS_NAMES.join(",")}`, file);
  }
}

/** Probabilities of count beats in batches, and the argmax label of each. */
export function classifyBeats(
  classifier: BeatProbabilities,
  beats: Float32Array,
  count: number,
  batchSize = 4096,
): { proba: Float32Array; label: Uint8Array } {
  const k = CLASS_NAMES.length;
  const proba = new Float32Array(count * k);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const p = classifier.predictProba(beats.subarray(start * BEAT_LENGTH, (start + n) * BEAT_LENGTH), n);
    proba.set(p, start * k);
  }
  return { proba, label: argmaxRows(proba, k) };
}

/** Every beat of one lead (physical units, fs Hz), labelled. */
export function classifySignal(
  signal: Float32Array,
  fs: number,
  classifier: BeatProbabilities,
  opts: ClassifySignalOptions = {},
): ClassifiedBeats {
  const peaks = opts.peaks ?? detectQrs(signal, fs, opts.detector);
  const cut = kachueeBeats(signal, fs, peaks);
  const { proba, label } = classifyBeats(classifier, cut.beats, cut.count, opts.batchSize);
  const sample = new Int32Array(cut.count);
  for (let i = 0; i < cut.count; i++) sample[i] = Math.round(peaks[cut.peakIndex[i]!]!);
  return { sample, label, proba, count: cut.count };
}
