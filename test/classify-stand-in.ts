// A deterministic stand-in for a trained beat classifier, for tests of the whole-record pipeline
// that must not depend on libtorch or on a trained model file.

import type { BeatProbabilities } from "../src/record/classify.js";
import { BEAT_LENGTH, CLASS_NAMES } from "../src/vocabulary.js";

/**
 * A deterministic stand-in for a trained model (no libtorch needed): a softmax over simple beat
 * features (width above half height, mean level), so the labels vary from beat to beat.
 */
export const featureClassifier: BeatProbabilities = {
  classes: CLASS_NAMES,
  rhythmFeatures: 0,
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
