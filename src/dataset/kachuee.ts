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

import { median } from "../signal/median.js";
import { resample } from "../signal/resample.js";
import { BEAT_HZ, BEAT_LENGTH, WINDOW_SECONDS } from "../vocabulary.js";

export interface CutBeats {
  /** count × BEAT_LENGTH values in [0, 1]. */
  beats: Float32Array;
  count: number;
  /** For each beat, the index into the given peaks of its R peak. */
  peakIndex: Int32Array;
}

/**
 * Cuts one beat per peak that falls inside the signal. `signal` is one lead at `fs` Hz (physical units);
 * `peaks` are R-peak sample indices at `fs`, in any order.
 */
export function kachueeBeats(signal: Float32Array, fs: number, peaks: ArrayLike<number>): CutBeats {
  const x = fs === BEAT_HZ ? signal : resample(signal, fs, BEAT_HZ);
  const n = x.length;
  const windowLength = WINDOW_SECONDS * BEAT_HZ;
  const ratio = BEAT_HZ / fs;

  // Peaks in time order, at 125 Hz, keeping the caller's indices.
  const order = Array.from({ length: peaks.length }, (_, i) => i)
    .filter((i) => Number.isFinite(peaks[i]!))
    .sort((a, b) => peaks[a]! - peaks[b]!);
  const at = order.map((i) => peaks[i]! * ratio);

  // Per window: [0,1] scaling and the median R-R interval of the peaks inside it.
  const nWindows = Math.ceil(n / windowLength);
  const winMin = new Float64Array(nWindows);
  const winSpan = new Float64Array(nWindows);
  for (let w = 0; w < nWindows; w++) {
    const start = w * windowLength;
    const end = Math.min(n, start + windowLength);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = start; i < end; i++) {
      const v = x[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    winMin[w] = min;
    winSpan[w] = max - min;
  }
  const rrByWindow: number[][] = Array.from({ length: nWindows }, () => []);
  const allRR: number[] = [];
  for (let k = 0; k + 1 < at.length; k++) {
    const rr = at[k + 1]! - at[k]!;
    allRR.push(rr);
    const w = Math.floor(at[k]! / windowLength);
    if (w >= 0 && w < nWindows && Math.floor(at[k + 1]! / windowLength) === w) rrByWindow[w]!.push(rr);
  }
  // With no R-R interval at all, a beat fills the 187 samples.
  const recordT = allRR.length > 0 ? median(allRR.slice()) : BEAT_LENGTH / 1.2;
  const windowT = rrByWindow.map((rr) => (rr.length > 0 ? median(rr) : recordT));

  const beats = new Float32Array(at.length * BEAT_LENGTH);
  const peakIndex = new Int32Array(at.length);
  let count = 0;
  for (let k = 0; k < at.length; k++) {
    const start = Math.round(at[k]!);
    if (start < 0 || start >= n) continue;
    const w = Math.floor(start / windowLength);
    const length = Math.min(BEAT_LENGTH, Math.round(1.2 * windowT[w]!));
    const min = winMin[w]!;
    const span = winSpan[w]!;
    const base = count * BEAT_LENGTH;
    const end = Math.min(length, n - start);
    for (let j = 0; j < end; j++) {
      const v = span > 0 ? (x[start + j]! - min) / span : 0;
      beats[base + j] = Math.min(1, Math.max(0, v));
    }
    // The rest stays zero: the padding.
    peakIndex[count] = order[k]!;
    count++;
  }
  return { beats: beats.subarray(0, count * BEAT_LENGTH), count, peakIndex: peakIndex.subarray(0, count) };
}
