// The beat vocabulary: every fact about a heartbeat and its classes that more than one layer needs
// (../shared/spec/data.md, "The heartbeat format"). Everything else imports these; nothing restates
// them. A 6-class model or a 250 Hz pipeline changes here and nowhere else.

/** The heartbeat set's sampling rate (Hz): the lead is resampled to it before beats are cut. */
export const BEAT_HZ = 125;
/** Samples per beat: 1.5 s at BEAT_HZ, the seed's input length. */
export const BEAT_LENGTH = 187;
/** Length of the windows a record is cut into, each scaled to [0, 1] on its own (seconds). */
export const WINDOW_SECONDS = 10;

/**
 * The rhythm features of a beat (src/dataset/rhythm.ts computes them), in the order of its row: what a
 * model with a rhythm branch takes beside the waveform, and the index's columns.
 */
export const RHYTHM_FEATURES = [
  "preRR",
  "postRR",
  "localRR",
  "recordRR",
  "preRRNorm",
  "postRRNorm",
  "localRRNorm",
  "irregularity",
] as const;
export const RHYTHM_FEATURE_COUNT = RHYTHM_FEATURES.length;

/** The AAMI classes in label order: label k of a CSV row, row k of a confusion matrix, logit k. */
export const CLASS_NAMES = ["N", "S", "V", "F", "Q"] as const;
export type ClassName = (typeof CLASS_NAMES)[number];
export const N_CLASSES = CLASS_NAMES.length;

/** MIT-BIH beat symbol → AAMI class (data.md). Other symbols are not in the heartbeat set. */
const AAMI_CLASS_OF_SYMBOL: Readonly<Record<string, ClassName>> = {
  N: "N",
  L: "N",
  R: "N",
  e: "N",
  j: "N",
  A: "S",
  a: "S",
  J: "S",
  S: "S",
  V: "V",
  E: "V",
  F: "F",
  "/": "Q",
  f: "Q",
  Q: "Q",
};

/** The AAMI class index (0..4 = N S V F Q) of a MIT-BIH beat symbol; undefined outside the set. */
export function aamiClass(symbol: string): number | undefined {
  const name = Object.hasOwn(AAMI_CLASS_OF_SYMBOL, symbol) ? AAMI_CLASS_OF_SYMBOL[symbol] : undefined;
  return name === undefined ? undefined : CLASS_NAMES.indexOf(name);
}

/** The seed's focal-loss class weights (seed-model.md), by class. */
const SEED_ALPHA_BY_CLASS: Readonly<Record<ClassName, number>> = {
  N: 0.15,
  S: 0.75,
  V: 0.65,
  F: 0.75,
  Q: 0.25,
};
/** The seed's alpha in label order, as the loss takes it. */
export const SEED_ALPHA: readonly number[] = CLASS_NAMES.map((c) => SEED_ALPHA_BY_CLASS[c]);

/** Beats per class, for labels 0..classes-1 (other values are not counted). */
export function classCounts(labels: ArrayLike<number>, classes: number = N_CLASSES): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v >= 0 && v < classes) counts[v]!++;
  }
  return counts;
}

/** Argmax of each row of a count × k matrix (row-major): the label of each beat. */
export function argmaxRows(probs: ArrayLike<number>, k: number): Uint8Array {
  const n = Math.floor(probs.length / k);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[i * k + j]! > probs[i * k + best]!) best = j;
    out[i] = best;
  }
  return out;
}
