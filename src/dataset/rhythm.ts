// Rhythm features of each beat, from beat positions alone: what a single cut beat cannot show. A
// supraventricular ectopic beat has a normal QRS and is told apart by *when* it comes, so the
// inter-patient literature (de Chazal 2004, Llamedo & Martínez 2011, Mondéjar-Guerra 2019) adds
// R-R intervals, and the same divided by the patient's own average (from the record itself, no labels).
//
// Per beat k with R peaks p (samples at fs, non-decreasing) and RR_k = (p_k − p_{k−1}) / fs seconds:
//   preRR      RR_k, the interval before the beat
//   postRR     RR_{k+1}, the interval after it
//   localRR    mean of the last LOCAL_BEATS valid intervals, up to and including preRR
//   recordRR   mean of every valid interval of the record (non-causal), or of those up to postRR (causal)
//   preRRNorm, postRRNorm, localRRNorm: the first three divided by recordRR.
//   irregularity  mean |RR_i − RR_{i−1}| over the last LOCAL_BEATS valid intervals BEFORE preRR, divided
//              by their mean: how irregular the rhythm leading up to the beat is, not counting the beat's
//              own interval. An isolated premature beat in a regular rhythm reads ≈ 0; a beat inside
//              atrial fibrillation (short intervals that are normal there) reads high. Causal as it stands.
// Edge cases, defined once here:
//   - every beat position counts, labelled or not (as for the Kachuee cut's R-R median);
//   - an interval longer than MAX_RR_SECONDS is a break in the record (a signal-quality skip, an
//     unannotated ventricular flutter episode, a detector outage), not a heartbeat interval: it is
//     left out of every average, and the beats on either side have no preRR / postRR there;
//   - a missing preRR or postRR (first beat, last beat, a break) takes the beat's recordRR, i.e. reads
//     as "nothing unusual" (normalised value 1); a beat with no valid interval before it takes recordRR
//     as its localRR;
//   - with no valid interval at all (a one-beat record), recordRR is NOMINAL_RR_SECONDS;
//   - irregularity needs IRREGULARITY_MIN_INTERVALS valid intervals before preRR, else it is 0 (regular);
//     so are intervals whose mean is 0 (double detections only);
//   - paced records need no special case: their beats get the same features (a pacemaker's fixed rate
//     shows as regular intervals); the inter-patient split leaves them out, as de Chazal does.
// Batch and streaming are one code path: rhythmFeatures() is the RhythmTracker run over every beat.
// The non-causal tracker (the default, what training data is built with) decides beats at flush(),
// when the record's average is known. The causal tracker uses a running average and looks one beat
// ahead (postRR): a beat's features are decided when the next R peak arrives, or, told by advance()
// that no R peak can come before a given sample, once that is over MAX_RR_SECONDS after the beat
// (its postRR is then a break whatever comes): its latency is at most MAX_RR_SECONDS plus the
// detector's, and one R-R interval when the rhythm goes on.

import { RHYTHM_FEATURE_COUNT, RHYTHM_FEATURES } from "../vocabulary.js";

// The feature names and their count are the beat vocabulary's (src/vocabulary.ts): models size their
// input by them without importing the dataset layer. Exported here too for this module's readers.
export { RHYTHM_FEATURE_COUNT, RHYTHM_FEATURES } from "../vocabulary.js";
/**
 * Which features are durations in seconds (they scale with the heart rate) and which are ratios (the
 * same at any rate): what a heart-rate augmentation may scale.
 */
export const RHYTHM_FEATURE_IS_SECONDS: readonly boolean[] = RHYTHM_FEATURES.map((f) => f.endsWith("RR"));

/** Intervals averaged for localRR ("about the last 10 beats"). */
export const LOCAL_BEATS = 10;
/** Longer intervals are breaks, not heartbeats (MIT-BIH's longest real pause, in 232, is 5.9 s). */
export const MAX_RR_SECONDS = 6;
/** recordRR when a record has no valid interval at all (75 beats per minute). */
export const NOMINAL_RR_SECONDS = 0.8;
/** Fewest intervals (two successive differences) irregularity is computed from. */
export const IRREGULARITY_MIN_INTERVALS = 3;

export interface RhythmOptions {
  /** Running record average and one beat of look-ahead, for streaming (default false). */
  causal?: boolean;
}

export interface RhythmBeat {
  /** The R peak, as pushed. */
  peak: number;
  /** RHYTHM_FEATURE_COUNT values, RHYTHM_FEATURES order. */
  features: Float32Array;
}

/** One beat whose intervals are known but whose features may wait for the record's average. */
interface PendingBeat {
  peak: number;
  pre: number | undefined;
  post: number | undefined;
  local: number | undefined;
  irregularity: number;
}

export class RhythmTracker {
  private readonly fs: number;
  private readonly causal: boolean;
  private lastPeak: number | undefined;
  /** The last LOCAL_BEATS valid intervals. */
  private readonly recent: number[] = [];
  private validSum = 0;
  private validCount = 0;
  /** The newest beat, waiting for its postRR. */
  private open: PendingBeat | undefined;
  /** Non-causal: beats waiting for the record's average (all of them, until flush). */
  private readonly waiting: PendingBeat[] = [];

  constructor(fs: number, opts: RhythmOptions = {}) {
    if (!(fs > 0 && Number.isFinite(fs))) throw new RangeError(`sampling rate must be positive, got ${fs}`);
    this.fs = fs;
    this.causal = opts.causal ?? false;
  }

  /** The next R peak (samples, not before the previous one); returns the beats decided meanwhile. */
  push(peak: number): RhythmBeat[] {
    if (!Number.isFinite(peak)) throw new RangeError(`R peak ${peak} is not a number`);
    if (this.lastPeak !== undefined && peak < this.lastPeak)
      throw new RangeError(`R peaks must not decrease: ${peak} after ${this.lastPeak}`);
    const rr = this.lastPeak === undefined ? undefined : (peak - this.lastPeak) / this.fs;
    const valid = rr !== undefined && rr <= MAX_RR_SECONDS ? rr : undefined;
    this.lastPeak = peak;
    // Before this beat's own interval joins the recent ones.
    const irregularity = this.irregularity();
    if (valid !== undefined) {
      this.validSum += valid;
      this.validCount++;
      this.recent.push(valid);
      if (this.recent.length > LOCAL_BEATS) this.recent.shift();
    }
    const decided: RhythmBeat[] = [];
    // (the newest beat is already decided when advance() saw a break coming)
    if (this.open) {
      this.open.post = valid;
      this.settle(this.open, decided);
    }
    this.open = { peak, pre: valid, post: undefined, local: this.localMean(), irregularity };
    return decided;
  }

  /**
   * No R peak will be pushed before `sample` any more (a streaming detector's settled horizon): the
   * newest beat is decided when that makes its postRR a break, exactly as push() would decide it then.
   */
  advance(sample: number): RhythmBeat[] {
    const decided: RhythmBeat[] = [];
    if (this.open && this.lastPeak !== undefined && (sample - this.lastPeak) / this.fs > MAX_RR_SECONDS) {
      this.settle(this.open, decided);
      this.open = undefined;
    }
    return decided;
  }

  /** End of the record: every beat not yet decided. */
  flush(): RhythmBeat[] {
    const decided: RhythmBeat[] = [];
    if (this.open) this.settle(this.open, decided);
    this.open = undefined;
    if (!this.causal) {
      const record = this.recordMean();
      for (const b of this.waiting) decided.push(featuresOf(b, record));
      this.waiting.length = 0;
    }
    return decided;
  }

  private settle(beat: PendingBeat, decided: RhythmBeat[]): void {
    if (this.causal) decided.push(featuresOf(beat, this.recordMean()));
    else this.waiting.push(beat);
  }

  private localMean(): number | undefined {
    if (this.recent.length === 0) return undefined;
    let s = 0;
    for (const v of this.recent) s += v;
    return s / this.recent.length;
  }

  private irregularity(): number {
    const r = this.recent;
    if (r.length < IRREGULARITY_MIN_INTERVALS) return 0;
    let steps = 0;
    let sum = r[0]!;
    for (let i = 1; i < r.length; i++) {
      steps += Math.abs(r[i]! - r[i - 1]!);
      sum += r[i]!;
    }
    return sum > 0 ? steps / (r.length - 1) / (sum / r.length) : 0;
  }

  private recordMean(): number {
    return this.validCount > 0 ? this.validSum / this.validCount : NOMINAL_RR_SECONDS;
  }
}

function featuresOf(b: PendingBeat, record: number): RhythmBeat {
  const pre = b.pre ?? record;
  const post = b.post ?? record;
  const local = b.local ?? record;
  return {
    peak: b.peak,
    features: Float32Array.of(
      pre,
      post,
      local,
      record,
      pre / record,
      post / record,
      local / record,
      b.irregularity,
    ),
  };
}

/**
 * Rhythm features of every beat (count × RHYTHM_FEATURE_COUNT, row per beat in the given order):
 * the tracker run over all the peaks. `peaks` must be non-decreasing, in samples at fs Hz.
 */
export function rhythmFeatures(peaks: ArrayLike<number>, fs: number, opts: RhythmOptions = {}): Float32Array {
  const tracker = new RhythmTracker(fs, opts);
  const out = new Float32Array(peaks.length * RHYTHM_FEATURE_COUNT);
  let row = 0;
  const take = (beats: RhythmBeat[]) => {
    for (const b of beats) out.set(b.features, row++ * RHYTHM_FEATURE_COUNT);
  };
  for (let i = 0; i < peaks.length; i++) take(tracker.push(peaks[i]!));
  take(tracker.flush());
  return out;
}
