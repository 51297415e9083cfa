import assert from "node:assert/strict";
import { test } from "node:test";
import { kachueeBeats } from "../src/dataset/kachuee.js";
import { BEAT_LENGTH } from "../src/vocabulary.js";

/** 125 Hz signal at 0.5 with a spike of 1 at each peak and one dip to 0 per window. */
function spiky(n: number, peaks: number[]): Float32Array {
  const x = new Float32Array(n).fill(0.5);
  for (let w = 0; w < n; w += 1250) x[w + 5] = 0;
  for (const p of peaks) x[p] = 1;
  return x;
}

function beat(cut: ReturnType<typeof kachueeBeats>, k: number): Float32Array {
  return cut.beats.subarray(k * BEAT_LENGTH, (k + 1) * BEAT_LENGTH);
}

test("each beat is 1.2·T from its R peak (T = the window's median R-R), zero-padded to 187", () => {
  // Window 0: R-R 100 samples (T = 100 → 120 samples); window 1: R-R 80 (→ 96 samples).
  const peaks = [50, 150, 250, 350, 450, 550, 650, 750, 850, 950, 1050, 1150, 1270, 1350, 1430, 1510, 1590];
  const cut = kachueeBeats(spiky(2500, peaks), 125, peaks);
  assert.equal(cut.count, peaks.length);
  assert.equal(cut.beats.length, peaks.length * BEAT_LENGTH);
  const b0 = beat(cut, 0);
  assert.equal(b0[0], 1); // the R peak
  assert.equal(b0[100], 1); // the next R peak, 100 samples later
  assert.equal(b0[119], 0.5);
  for (let j = 120; j < BEAT_LENGTH; j++) assert.equal(b0[j], 0);
  const b13 = beat(cut, 13); // R at 1350, in window 1
  assert.equal(b13[80], 1);
  assert.equal(b13[95], 0.5);
  assert.equal(b13[96], 0);
  for (const v of cut.beats) assert.ok(v >= 0 && v <= 1);
});

test("peaks in any order map back through peakIndex; peaks outside the signal give no beat", () => {
  const peaks = [400, -10, 100, 5000, 250];
  const cut = kachueeBeats(spiky(1250, [100, 250, 400]), 125, peaks);
  assert.equal(cut.count, 3);
  assert.deepEqual(Array.from(cut.peakIndex), [2, 4, 0]);
  for (let k = 0; k < 3; k++) assert.equal(beat(cut, k)[0], 1);
});

test("a signal at 360 Hz is resampled to 125 Hz and peaks are mapped with it", () => {
  // R-R of 288 samples at 360 Hz = 0.8 s = 100 samples at 125 Hz → beats of 120 samples.
  const n = 3600;
  const peaks = Array.from({ length: 12 }, (_, i) => 72 + 288 * i);
  const x = new Float32Array(n);
  // A smooth bump (well inside the 62.5 Hz band) at each peak.
  for (const p of peaks) for (let i = -20; i <= 20; i++) x[p + i] = Math.exp(-(i * i) / 50);
  const cut = kachueeBeats(x, 360, peaks);
  assert.equal(cut.count, peaks.length);
  const b = beat(cut, 1);
  assert.ok(b[0]! > 0.95, `peak ${b[0]}`);
  assert.ok(b[100]! > 0.95, `next peak ${b[100]}`);
  assert.notEqual(b[119], 0);
  assert.equal(b[120], 0);
});

test("a window with fewer than two peaks uses the record's median R-R; a lone peak fills 187 samples", () => {
  const cut = kachueeBeats(spiky(3750, [100, 200, 300, 2600]), 125, [100, 200, 300, 2600]);
  // The record's R-R intervals: 100, 100, 2300 → median 100 → 120 samples for the beat in window 2.
  const last = beat(cut, 3);
  assert.equal(last[119], 0.5);
  assert.equal(last[120], 0);
  const lone = kachueeBeats(
    new Float32Array(1000).fill(0.5).map((v, i) => (i === 10 ? 1 : i === 500 ? 0 : v)),
    125,
    [10],
  );
  assert.equal(beat(lone, 0)[186], 0.5);
});
