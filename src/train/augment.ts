// Augmentation that mimics other patients and other devices, applied on the fly to each training batch
// (a copy; the data stay as built): per beat, a small time stretch (QRS width and heart rate differ
// between patients), an amplitude scale (lead placement, gain), baseline wander (breathing, electrode
// motion) and white noise (muscle, mains residue); and a heart-rate scale on the rhythm features that
// are durations, leaving the ratios alone (a patient at 50 or 90 beats per minute with the same rhythm).
// Optionally, premature beats synthesised from normal ones: an atrial premature beat is, by definition,
// a beat of the patient's usual (supraventricular) conduction that comes early; DS1 has S beats of 15
// patients, its N beats come from all 22. An N beat in a regular rhythm, given the R-R features of a
// beat 15-45 % early (and the pause after it), is labelled S: premature beats in every patient's shape.
// Every draw comes from a Random seeded by (seed, epoch, batch): reruns and resumed runs are identical.
import { Random } from "../dataset/random.js";
import { LOCAL_BEATS, RHYTHM_FEATURE_IS_SECONDS } from "../dataset/rhythm.js";
import { BEAT_HZ, BEAT_LENGTH, CLASS_NAMES, RHYTHM_FEATURES } from "../vocabulary.js";
import type { AugmentOptions } from "./settings.js";

export { type AugmentOptions, NO_AUGMENT } from "./settings.js";

/** Prematurity of a synthetic S beat: its preRR over the local mean, drawn from this range. */
export const PREMATURE_RANGE = [0.55, 0.85] as const;
/** Only N beats this regular become premature: irregularity below, preRR and postRR ≥ 0.9 of the mean. */
const REGULAR_IRREGULARITY = 0.1;
const REGULAR_RATIO = 0.9;

const N_CLASS = CLASS_NAMES.indexOf("N");
const S_CLASS = CLASS_NAMES.indexOf("S");
const F = Object.fromEntries(RHYTHM_FEATURES.map((name, k) => [name, k])) as Record<
  (typeof RHYTHM_FEATURES)[number],
  number
>;

/** Slowest and fastest baseline wander (Hz): breathing is about 0.15-0.4 Hz. */
const WANDER_HZ = [0.1, 0.6] as const;

export function isAugmenting(opts: AugmentOptions): boolean {
  return Object.values(opts).some((v) => v > 0);
}

/** The generator of one batch's draws. */
export function batchRandom(seed: number, epoch: number, batch: number): Random {
  return new Random(
    Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca77) ^ Math.imul(batch + 1, 0xc2b2ae3d),
  );
}

function uniform(rng: Random, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}

/** A standard normal draw (Box–Muller). */
function gaussian(rng: Random): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * Augments, in place, `count` beats (count × BEAT_LENGTH) and, when given, their rhythm features
 * (count × features) and labels (for synthetic premature beats). A beat is its samples up to the last
 * non-zero one (the Kachuee cut zero-pads after 1.2 R-R); the padding stays zero, so a model still sees
 * where the beat ends.
 */
export function augmentBatch(
  x: Float32Array,
  count: number,
  rhythm: Float32Array | undefined,
  rng: Random,
  opts: AugmentOptions,
  labels?: Uint8Array,
): void {
  const src = new Float32Array(BEAT_LENGTH);
  const features = rhythm ? rhythm.length / count : 0;
  for (let b = 0; b < count; b++) {
    const beat = x.subarray(b * BEAT_LENGTH, (b + 1) * BEAT_LENGTH);
    let length = BEAT_LENGTH;
    while (length > 0 && beat[length - 1] === 0) length--;
    if (opts.stretch > 0 && length > 1) {
      const s = uniform(rng, 1 - opts.stretch, 1 + opts.stretch);
      src.set(beat);
      const stretched = Math.min(BEAT_LENGTH, Math.max(2, Math.round(length * s)));
      const step = (length - 1) / (stretched - 1);
      for (let i = 0; i < stretched; i++) {
        const at = i * step;
        const j = Math.min(length - 2, Math.floor(at));
        const f = at - j;
        beat[i] = src[j]! * (1 - f) + src[j + 1]! * f;
      }
      beat.fill(0, stretched);
      length = stretched;
    }
    const gain = opts.amplitude > 0 ? uniform(rng, 1 - opts.amplitude, 1 + opts.amplitude) : 1;
    const wander = opts.wander > 0 ? uniform(rng, 0, opts.wander) : 0;
    const omega = (2 * Math.PI * uniform(rng, WANDER_HZ[0], WANDER_HZ[1])) / BEAT_HZ;
    const phase = uniform(rng, 0, 2 * Math.PI);
    const sigma = opts.noise > 0 ? uniform(rng, 0, opts.noise) : 0;
    for (let i = 0; i < length; i++) {
      let v = beat[i]! * gain;
      if (wander > 0) v += wander * Math.sin(omega * i + phase);
      if (sigma > 0) v += sigma * gaussian(rng);
      beat[i] = v;
    }
    if (rhythm && opts.rate > 0) {
      const span = Math.log1p(opts.rate);
      const factor = Math.exp(uniform(rng, -span, span));
      const row = rhythm.subarray(b * features, (b + 1) * features);
      for (let k = 0; k < features; k++) if (RHYTHM_FEATURE_IS_SECONDS[k]) row[k] = row[k]! * factor;
    }
    if (rhythm && labels && opts.premature > 0 && labels[b] === N_CLASS) {
      const row = rhythm.subarray(b * features, (b + 1) * features);
      if (isRegular(row) && rng.next() < opts.premature) {
        makePremature(row, rng);
        labels[b] = S_CLASS;
      }
    }
  }
}

/** A beat of a regular rhythm, neither early nor late. */
function isRegular(row: Float32Array): boolean {
  return (
    row[F.irregularity]! < REGULAR_IRREGULARITY &&
    row[F.preRRNorm]! >= REGULAR_RATIO &&
    row[F.postRRNorm]! >= REGULAR_RATIO
  );
}

/**
 * The R-R features of the same beat come early: preRR a fraction of the local mean, postRR between the
 * local mean and a full compensatory pause, the local mean with this interval replaced; the record's
 * mean and the irregularity before the beat unchanged.
 */
function makePremature(row: Float32Array, rng: Random): void {
  const local = row[F.localRR]!;
  const record = row[F.recordRR]!;
  const f = uniform(rng, PREMATURE_RANGE[0], PREMATURE_RANGE[1]);
  const pre = f * local;
  const post = local * uniform(rng, 1, 2 - f);
  const newLocal = local + (pre - row[F.preRR]!) / LOCAL_BEATS;
  row[F.preRR] = pre;
  row[F.postRR] = post;
  row[F.localRR] = newLocal;
  row[F.preRRNorm] = pre / record;
  row[F.postRRNorm] = post / record;
  row[F.localRRNorm] = newLocal / record;
}
