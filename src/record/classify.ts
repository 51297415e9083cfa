// Whole-record classification: R peaks (detected, or given), beats cut by the Kachuee pipeline, the
// rhythm features of each beat when the model takes them, each beat minus the record's template when
// the model takes patient-relative beats, class probabilities from a BeatClassifier in batches, one
// label per beat.

import { relativeBeats } from "../dataset/beat-template.js";
import { gatherRows } from "../dataset/gather-rows.js";
import { kachueeBeats } from "../dataset/kachuee.js";
import { rhythmFeatures } from "../dataset/rhythm.js";
import { checkRhythmFeatureCount } from "../dataset/rhythm-input.js";
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";
import type { BeatClassifier } from "../models/classifier.js";
import { detectQrs } from "../qrs/detect.js";
import type { PanTompkinsOptions } from "../qrs/pan-tompkins.js";
import { argmaxRows, BEAT_LENGTH, CLASS_NAMES, RHYTHM_FEATURE_COUNT } from "../vocabulary.js";

/** The part of a classifier this pipeline needs (a BeatClassifier, or a stand-in in tests). */
export type BeatProbabilities = Pick<
  BeatClassifier,
  "classes" | "rhythmFeatures" | "relative" | "predictProba"
>;

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
  /**
   * Rhythm features and templates of the causal variant (what streaming computes) instead of the
   * record-wide one (what the training data has); only for a model that takes them.
   */
  causal?: boolean;
}

/**
 * Refuses, in one line naming the file, a model this pipeline cannot feed: classes other than the
 * five AAMI classes in the project's order, or a rhythm-feature count other than this version's.
 */
export function checkModel(classifier: BeatProbabilities, modelFile: string): void {
  const got = classifier.classes.join(",");
  if (got !== CLASS_NAMES.join(",")) {
    throw new UserError(
      `${displayPath(modelFile)}: the model's classes are ${got}, not ${CLASS_NAMES.join(",")}`,
      modelFile,
    );
  }
  checkRhythmFeatureCount(classifier.rhythmFeatures, modelFile);
}

/** Probabilities of count beats (with their rhythm features, for a model that takes them) in batches, and the argmax label of each. */
export function classifyBeats(
  classifier: BeatProbabilities,
  beats: Float32Array,
  count: number,
  rhythm?: Float32Array,
  batchSize = 4096,
): { proba: Float32Array; label: Uint8Array } {
  const k = CLASS_NAMES.length;
  const proba = new Float32Array(count * k);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const p = classifier.predictProba(beats.subarray(start * BEAT_LENGTH, (start + n) * BEAT_LENGTH), n, {
      ...(rhythm
        ? { rhythm: rhythm.subarray(start * RHYTHM_FEATURE_COUNT, (start + n) * RHYTHM_FEATURE_COUNT) }
        : {}),
    });
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
  // In time order: the order rhythm features are computed in.
  const peaks = opts.peaks
    ? Float64Array.from(opts.peaks)
        .filter((p) => Number.isFinite(p))
        .sort()
    : detectQrs(signal, fs, opts.detector);
  const cut = kachueeBeats(signal, fs, peaks);
  let rhythm: Float32Array | undefined;
  if (classifier.rhythmFeatures > 0) {
    const all = rhythmFeatures(peaks, fs, { causal: opts.causal ?? false });
    rhythm = gatherRows(all, cut.peakIndex, RHYTHM_FEATURE_COUNT);
  }
  const beats = classifier.relative
    ? relativeBeats(cut.beats, cut.count, undefined, { causal: opts.causal ?? false })
    : cut.beats;
  const { proba, label } = classifyBeats(classifier, beats, cut.count, rhythm, opts.batchSize);
  const sample = new Int32Array(cut.count);
  for (let i = 0; i < cut.count; i++) sample[i] = Math.round(peaks[cut.peakIndex[i]!]!);
  return { sample, label, proba, count: cut.count };
}
