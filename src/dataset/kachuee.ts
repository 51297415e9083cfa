// The heartbeat extraction of Kachuee et al., "ECG Heartbeat Classification: A Deep Transferable
// Representation" (IEEE ICHI 2018), §III-A, as data.md describes it:
//   the lead resampled to 125 Hz, cut into 10 s windows, each window scaled to [0, 1];
//   T = the median R-R interval of the window; each beat is the 1.2·T samples starting at its R peak,
//   zero-padded (or cut) to 187 samples (1.5 s).
// The R peaks are given (reference annotations when building training data, detected peaks when
// classifying a whole record), so the paper's own peak picking (threshold 0.9) is not repeated here.
// Choices the paper leaves open, made here:
//   - a beat takes the scaling of the window holding its R peak, and may run on past that window's end
//     (clipped to [0, 1]) rather than being cut short at the boundary;
//   - a window with fewer than two peaks uses the median R-R interval of the whole record;
//   - the last, shorter window is scaled on its own samples.
// One implementation: KachueeCutter takes the signal and the R peaks as they arrive, and cuts the
// beats of a window once the window, 1.5 s after it, and every R peak before its end are in;
// kachueeBeats() is that cutter run over a whole signal, so batch and streaming beats are the same
// by construction. The one thing only the end of a record knows — the record's median R-R, for a
// window with fewer than two R-R intervals — makes the (at most one) beat of such a window wait
// for flush(). Memory: the signal of the windows not yet cut (11.5 s at 125 Hz), the undecided
// peaks, those waiting beats, and 8 bytes per beat for the record's R-R intervals.

import { median } from "../signal/median.js";
import { StreamingResampler } from "../signal/resample.js";
import { range, scaleToUnit } from "../signal/scale.js";
import { BEAT_HZ, BEAT_LENGTH, WINDOW_SECONDS } from "../vocabulary.js";

const WINDOW = WINDOW_SECONDS * BEAT_HZ;
/** T when a record has no R-R interval at all: a beat then fills the BEAT_LENGTH samples. */
const NO_RR_T = BEAT_LENGTH / 1.2;

export interface CutBeat {
  /** Which R peak: its ordinal among the peaks added (0 for the first). */
  ordinal: number;
  /** The R peak as added (samples at the input rate). */
  peak: number;
  /** BEAT_LENGTH values in [0, 1], zero-padded. */
  beat: Float32Array;
}

interface Peak {
  ordinal: number;
  peak: number;
  /** Position at BEAT_HZ, unrounded. */
  at: number;
}

/** A beat of a window without R-R intervals: its samples, waiting for the record's median R-R. */
interface Waiting {
  peak: Peak;
  min: number;
  max: number;
  /** The resampled signal from the R peak on (BEAT_LENGTH samples, fewer at the record's end). */
  raw: Float32Array;
}

export class KachueeCutter {
  private readonly ratio: number;
  private readonly resampler: StreamingResampler;
  /** The resampled signal from absolute index xBase (xLength samples). */
  private x = new Float32Array(0);
  private xBase = 0;
  private xLength = 0;
  /** Peaks added whose window is not cut yet, in time order. */
  private pending: Peak[] = [];
  /** pending[0 .. pendingHead) are done (dropped in bulk, not one shift() at a time). */
  private pendingHead = 0;
  private ordinal = 0;
  private lastAt: number | undefined;
  /** Every R-R interval of the record (at BEAT_HZ), for windows that have fewer than two. */
  private readonly recordRR: number[] = [];
  /** R-R intervals of the windows not cut yet, by window. */
  private readonly windowRR = new Map<number, number[]>();
  private nextWindow = 0;
  private waiting: Waiting[] = [];

  /** `fs`: the rate of the signal and of the R-peak positions given. */
  constructor(fs: number) {
    this.ratio = BEAT_HZ / fs;
    this.resampler = new StreamingResampler(fs, BEAT_HZ);
  }

  /** The next R peaks (samples at fs, not before the previous ones). */
  addPeaks(peaks: ArrayLike<number>): void {
    for (let i = 0; i < peaks.length; i++) {
      const peak = peaks[i]!;
      const at = peak * this.ratio;
      if (this.lastAt !== undefined) {
        if (at < this.lastAt) throw new RangeError(`R peaks must not decrease: ${peak} after a later one`);
        const rr = at - this.lastAt;
        this.recordRR.push(rr);
        const w = Math.floor(this.lastAt / WINDOW);
        if (Math.floor(at / WINDOW) === w) {
          const list = this.windowRR.get(w);
          if (list) list.push(rr);
          else this.windowRR.set(w, [rr]);
        }
      }
      const start = Math.round(at);
      if (start >= 0 && start < this.nextWindow * WINDOW)
        throw new RangeError(`R peak ${peak} added after its window was cut`);
      this.lastAt = at;
      this.pending.push({ ordinal: this.ordinal++, peak, at });
    }
  }

  /** The next samples of the lead (physical units, at fs). */
  addSignal(samples: ArrayLike<number>): void {
    this.append(this.resampler.push(samples));
  }

  /**
   * The beats of every window that is complete: its signal and 1.5 s after it are in, and every R peak
   * before its end (`peaksSettledBefore`, samples at fs: no R peak before it will be added any more).
   */
  cut(peaksSettledBefore: number): CutBeat[] {
    const out: CutBeat[] = [];
    const settled = peaksSettledBefore * this.ratio;
    for (;;) {
      const end = (this.nextWindow + 1) * WINDOW;
      if (this.xBase + this.xLength < end + BEAT_LENGTH || settled < end) break;
      this.cutWindow(this.xBase + this.xLength, false, out);
    }
    return out;
  }

  /** End of the signal and of the peaks: every beat left, those that needed the record's median R-R last. */
  flush(): CutBeat[] {
    this.append(this.resampler.flush());
    const n = this.xBase + this.xLength;
    const out: CutBeat[] = [];
    while (this.nextWindow < Math.ceil(n / WINDOW)) this.cutWindow(n, true, out);
    this.pending = [];
    this.pendingHead = 0;
    const recordT = this.recordRR.length > 0 ? median(this.recordRR.slice()) : NO_RR_T;
    for (const w of this.waiting) out.push(this.beatOf(w.peak, w.raw, recordT, w.min, w.max));
    this.waiting = [];
    return out;
  }

  /** Cuts the beats of window nextWindow; n: samples known (the record's length once atEnd). */
  private cutWindow(n: number, atEnd: boolean, out: CutBeat[]): void {
    const w = this.nextWindow++;
    const start = w * WINDOW;
    const end = Math.min(n, start + WINDOW);
    const { min, max } = range(this.x, start - this.xBase, end - this.xBase);
    const rr = this.windowRR.get(w);
    this.windowRR.delete(w);
    const windowT = rr !== undefined ? median(rr) : undefined;
    for (; this.pendingHead < this.pending.length; this.pendingHead++) {
      const p = this.pending[this.pendingHead]!;
      const s = Math.round(p.at);
      // Peaks before the signal give no beat; peaks past its end wait for it, or give none at the end.
      if (s >= 0 && Math.floor(s / WINDOW) !== w && !(atEnd && s >= n)) break;
      if (s < 0 || s >= n) continue;
      const raw = this.x.subarray(s - this.xBase, Math.min(n, s + BEAT_LENGTH) - this.xBase);
      if (windowT === undefined) this.waiting.push({ peak: p, min, max, raw: raw.slice() });
      else out.push(this.beatOf(p, raw, windowT, min, max));
    }
    if (this.pendingHead > 256 && 2 * this.pendingHead > this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
    // The signal before the next window is no longer needed.
    this.drop(Math.min(end, n));
  }

  private beatOf(p: Peak, raw: Float32Array, T: number, min: number, max: number): CutBeat {
    // 1.2·T samples from the R peak (fewer at the record's end); the rest stays zero: the padding.
    const length = Math.min(raw.length, Math.round(1.2 * T));
    const beat = new Float32Array(BEAT_LENGTH);
    beat.set(raw.subarray(0, length));
    scaleToUnit(beat, min, max, 0, length);
    return { ordinal: p.ordinal, peak: p.peak, beat };
  }

  private append(values: Float32Array): void {
    if (this.xLength + values.length > this.x.length) {
      const next = new Float32Array(Math.max(this.xLength + values.length, 2 * this.xLength, 4 * WINDOW));
      next.set(this.x.subarray(0, this.xLength));
      this.x = next;
    }
    this.x.set(values, this.xLength);
    this.xLength += values.length;
  }

  /** Forgets the signal before absolute index `until`. */
  private drop(until: number): void {
    const k = Math.min(this.xLength, until - this.xBase);
    if (k <= 0) return;
    this.x.copyWithin(0, k, this.xLength);
    this.xBase += k;
    this.xLength -= k;
  }
}

export interface CutBeats {
  /** count × BEAT_LENGTH values in [0, 1]. */
  beats: Float32Array;
  count: number;
  /** For each beat, the index into the given peaks of its R peak. */
  peakIndex: Int32Array;
}

/**
 * Cuts one beat per peak that falls inside the signal: the cutter run over the whole signal.
 * `signal` is one lead at `fs` Hz (physical units); `peaks` are R-peak sample indices at `fs`, in any
 * order. Beats come in time order.
 */
export function kachueeBeats(signal: ArrayLike<number>, fs: number, peaks: ArrayLike<number>): CutBeats {
  const order = Array.from({ length: peaks.length }, (_, i) => i)
    .filter((i) => Number.isFinite(peaks[i]!))
    .sort((a, b) => peaks[a]! - peaks[b]!);
  const cutter = new KachueeCutter(fs);
  cutter.addPeaks(order.map((i) => peaks[i]!));
  cutter.addSignal(signal);
  const cut = cutter.flush().sort((a, b) => a.ordinal - b.ordinal);
  const beats = new Float32Array(cut.length * BEAT_LENGTH);
  const peakIndex = new Int32Array(cut.length);
  cut.forEach((b, k) => {
    beats.set(b.beat, k * BEAT_LENGTH);
    peakIndex[k] = order[b.ordinal]!;
  });
  return { beats, count: cut.length, peakIndex };
}
