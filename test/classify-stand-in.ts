// A deterministic stand-in for a trained beat classifier, for tests of the whole-record pipeline
// that must not depend on libtorch or on a trained model file.

import { RHYTHM_FEATURE_COUNT, RHYTHM_FEATURES } from "../src/dataset/rhythm.js";
import type { PredictOptions } from "../src/models/classifier.js";
import type { BeatProbabilities } from "../src/record/classify.js";
import { BEAT_LENGTH, CLASS_NAMES } from "../src/vocabulary.js";

/**
 * A deterministic stand-in for a trained model (no libtorch needed): a softmax over simple beat
 * features (width above half height, mean level), so the labels vary from beat to beat.
 */
export const featureClassifier: BeatProbabilities = {
  classes: CLASS_NAMES,
  rhythmFeatures: 0,
  relative: false,
  predictProba(beats: Float32Array, count: number): Float32Array {
    const out = new Float32Array(count * 5);
    for (let i = 0; i < count; i++) {
      const b = beats.subarray(i * BEAT_LENGTH, (i + 1) * BEAT_LENGTH);
      let mean = 0;
      let wide = 0;
      for (let j = 0; j < BEAT_LENGTH; j++) {
        mean += b[j]!;
        if (j < 20 && b[j]! > 0.5) wide++;
      }
      mean /= BEAT_LENGTH;
      const logits = [2 - 4 * Math.abs(mean - 0.35), 8 * (mean - 0.45), wide / 4 - 2, 0.5 - mean, -1];
      const m = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - m));
      const z = e.reduce((a, v) => a + v, 0);
      for (let c = 0; c < 5; c++) out[i * 5 + c] = e[c]! / z;
    }
    return out;
  },
};

/**
 * The same stand-in for a model that takes rhythm features: a beat that comes early for its patient
 * (preRRNorm, postRRNorm) leans towards S, so the labels depend on the features given.
 */
export const rhythmClassifier: BeatProbabilities = {
  classes: CLASS_NAMES,
  rhythmFeatures: RHYTHM_FEATURE_COUNT,
  relative: false,
  predictProba(beats: Float32Array, count: number, opts: PredictOptions = {}): Float32Array {
    const rhythm = opts.rhythm;
    if (rhythm === undefined || rhythm.length !== count * RHYTHM_FEATURE_COUNT)
      throw new RangeError(`rhythmClassifier: ${rhythm?.length} rhythm values for ${count} beats`);
    const out = featureClassifier.predictProba(beats, count);
    const pre = RHYTHM_FEATURES.indexOf("preRRNorm");
    const post = RHYTHM_FEATURES.indexOf("postRRNorm");
    for (let i = 0; i < count; i++) {
      const early = rhythm[i * RHYTHM_FEATURE_COUNT + post]! - rhythm[i * RHYTHM_FEATURE_COUNT + pre]!;
      const p = out.subarray(i * 5, i * 5 + 5);
      p[1] = p[1]! * Math.exp(4 * early);
      const z = p.reduce((a, v) => a + v, 0);
      for (let c = 0; c < 5; c++) p[c] = p[c]! / z;
    }
    return out;
  },
};

/** The morphology stand-in for a model on patient-relative beats (each beat minus its record's template). */
export const relativeClassifier: BeatProbabilities = { ...featureClassifier, relative: true };
