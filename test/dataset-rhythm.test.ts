// Rhythm features against hand-computed values: intervals, the local and record averages, the
// normalised values, the edge cases (first/last beat, breaks, one beat, none), and the causal
// variant; batch equals the tracker fed one beat at a time.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  IRREGULARITY_MIN_INTERVALS,
  LOCAL_BEATS,
  MAX_RR_SECONDS,
  NOMINAL_RR_SECONDS,
  RHYTHM_FEATURE_COUNT,
  RHYTHM_FEATURE_IS_SECONDS,
  RHYTHM_FEATURES,
  type RhythmBeat,
  RhythmTracker,
  rhythmFeatures,
} from "../src/dataset/rhythm.js";

const F = RHYTHM_FEATURE_COUNT;

function rows(features: Float32Array): number[][] {
  return Array.from({ length: features.length / F }, (_, i) =>
    Array.from(features.subarray(i * F, (i + 1) * F)),
  );
}

function close(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((v, i) => {
    assert.ok(Math.abs(v - expected[i]!) < 1e-6, `${what}: ${RHYTHM_FEATURES[i]} ${v} ≠ ${expected[i]}`);
  });
}

test("the features of a short rhythm with a premature beat, by hand", () => {
  // 100 Hz; beats at 0, 1.0, 2.0, 2.5 (premature), 4.0 s: RR 1.0, 1.0, 0.5, 1.5; record mean 1.0.
  const r = rows(rhythmFeatures([0, 100, 200, 250, 400], 100));
  assert.equal(r.length, 5);
  // first beat: no preRR → recordRR; no interval before it → localRR = recordRR
  close(r[0]!, [1, 1, 1, 1, 1, 1, 1, 0], "beat 0");
  close(r[1]!, [1, 1, 1, 1, 1, 1, 1, 0], "beat 1");
  close(r[2]!, [1, 0.5, 1, 1, 1, 0.5, 1, 0], "beat 2");
  // the premature beat: local = mean(1, 1, 0.5); irregularity needs 3 intervals before its own: 0
  close(r[3]!, [0.5, 1.5, 2.5 / 3, 1, 0.5, 1.5, 2.5 / 3, 0], "beat 3");
  // last beat: no postRR → recordRR; irregularity of (1, 1, 0.5): mean |step| 0.25 over mean 2.5/3
  close(r[4]!, [1.5, 1, 1, 1, 1.5, 1, 1, 0.25 / (2.5 / 3)], "beat 4");
});

test("localRR averages the last LOCAL_BEATS intervals; normalised values divide by the record's mean", () => {
  // 12 intervals of 0.8 s, then one of 0.4 s, then 3 of 1.2 s, at 250 Hz
  const rr = [...new Array(12).fill(0.8), 0.4, 1.2, 1.2, 1.2];
  const peaks = [0];
  for (const v of rr) peaks.push(peaks.at(-1)! + Math.round(v * 250));
  const r = rows(rhythmFeatures(peaks, 250));
  const mean = rr.reduce((a, b) => a + b, 0) / rr.length;
  // beat 13 (the 0.4 s one): its last 10 intervals are nine 0.8 and the 0.4
  const local13 = (9 * 0.8 + 0.4) / LOCAL_BEATS;
  // the ten intervals before its own are all 0.8: a regular rhythm, irregularity 0
  close(r[13]!, [0.4, 1.2, local13, mean, 0.4 / mean, 1.2 / mean, local13 / mean, 0], "beat 13");
  // beat 14: nine 0.8 then the 0.4 before it: one step of 0.4 in 9, over the mean 7.6/10
  const local14 = (8 * 0.8 + 0.4 + 1.2) / LOCAL_BEATS;
  close(r[14]!, [1.2, 1.2, local14, mean, 1.2 / mean, 1.2 / mean, local14 / mean, 0.4 / 9 / 0.76], "beat 14");
  // beat 16 (last): intervals 7..16 = six 0.8, the 0.4, three 1.2
  const local16 = (6 * 0.8 + 0.4 + 3 * 1.2) / LOCAL_BEATS;
  // before its own interval: seven 0.8, the 0.4, two 1.2: steps 0.4 + 0.8 over 9, mean 8.4/10
  close(r[16]!, [1.2, mean, local16, mean, 1.2 / mean, 1, local16 / mean, 1.2 / 9 / 0.84], "beat 16");
});

test("an interval over MAX_RR_SECONDS is a break: no preRR/postRR across it, left out of the averages", () => {
  const fs = 10;
  const gap = (MAX_RR_SECONDS + 1) * fs;
  const r = rows(rhythmFeatures([0, 10, 20, 20 + gap, 20 + gap + 5], fs));
  // valid intervals: 1, 1, 0.5 → record mean 2.5/3
  const m = 2.5 / 3;
  close(r[2]!, [1, m, 1, m, 1 / m, 1, 1 / m, 0], "before the break");
  // after the break: preRR missing → record mean; local still the intervals before the break
  close(r[3]!, [m, 0.5, 1, m, 1, 0.5 / m, 1 / m, 0], "after the break");
  close(r[4]!, [0.5, m, 2.5 / 3, m, 0.5 / m, 1, 1, 0], "last");
});

test("one beat, no beats, and equal positions", () => {
  close(rows(rhythmFeatures([42], 360))[0]!, [0.8, 0.8, 0.8, 0.8, 1, 1, 1, 0], "one beat");
  assert.equal(NOMINAL_RR_SECONDS, 0.8);
  assert.equal(rhythmFeatures([], 360).length, 0);
  // a double detection (zero interval) is an interval of 0 s, not an error
  const r = rows(rhythmFeatures([0, 0, 100], 100));
  close(r[1]!, [0, 1, 0, 0.5, 0, 2, 0, 0], "zero interval");
  assert.throws(() => rhythmFeatures([100, 50], 100), /must not decrease/);
  assert.throws(() => rhythmFeatures([0, Number.NaN], 100), /not a number/);
  assert.throws(() => new RhythmTracker(0), /sampling rate/);
});

test("causal: a running record average up to postRR, each beat decided when the next one arrives", () => {
  const t = new RhythmTracker(100, { causal: true });
  assert.deepEqual(t.push(0), []);
  const b0 = t.push(100); // RR 1.0 → beat 0 decided, record mean so far 1.0
  assert.equal(b0.length, 1);
  close(Array.from(b0[0]!.features), [1, 1, 1, 1, 1, 1, 1, 0], "beat 0");
  const b1 = t.push(150); // RR 0.5 → beat 1: pre 1, post 0.5, local 1, record mean(1, 0.5) = 0.75
  close(Array.from(b1[0]!.features), [1, 0.5, 1, 0.75, 1 / 0.75, 0.5 / 0.75, 1 / 0.75, 0], "beat 1");
  const last = t.flush(); // beat 2: pre 0.5, no post → record 0.75; local mean(1, 0.5)
  assert.equal(last.length, 1);
  assert.equal(last[0]!.peak, 150);
  close(Array.from(last[0]!.features), [0.5, 0.75, 0.75, 0.75, 0.5 / 0.75, 1, 1, 0], "beat 2");
});

test("streaming equals batch: the tracker fed beat by beat gives rhythmFeatures' rows, both variants", () => {
  const peaks: number[] = [];
  let at = 30;
  for (let i = 0; i < 200; i++) {
    at += 200 + ((i * 7919) % 160) + (i % 37 === 0 ? 3000 : 0);
    peaks.push(at);
  }
  for (const causal of [false, true]) {
    const t = new RhythmTracker(360, { causal });
    const streamed: number[] = [];
    let decidedBeforeFlush = 0;
    for (const p of peaks) {
      const got = t.push(p);
      decidedBeforeFlush += got.length;
      for (const b of got) streamed.push(...b.features);
    }
    for (const b of t.flush()) streamed.push(...b.features);
    assert.deepEqual(Float32Array.from(streamed), rhythmFeatures(peaks, 360, { causal }), `causal ${causal}`);
    // non-causal beats wait for the record's mean; causal ones lag by exactly one beat
    assert.equal(decidedBeforeFlush, causal ? peaks.length - 1 : 0);
  }
  // the variants differ only through recordRR: where a beat has both intervals (not the first or
  // last beat, not beside a break), preRR, postRR and localRR agree
  const a = rows(rhythmFeatures(peaks, 360));
  const c = rows(rhythmFeatures(peaks, 360, { causal: true }));
  const breakAfter = new Set(
    peaks.flatMap((p, i) => (i > 0 && (p - peaks[i - 1]!) / 360 > MAX_RR_SECONDS ? [i - 1] : [])),
  );
  let compared = 0;
  for (let i = 1; i + 1 < peaks.length; i++) {
    if (breakAfter.has(i) || breakAfter.has(i - 1)) continue;
    assert.deepEqual(c[i]!.slice(0, 3), a[i]!.slice(0, 3), `beat ${i}`);
    assert.equal(c[i]![7], a[i]![7], `beat ${i}: irregularity looks only backwards`);
    compared++;
  }
  assert.ok(compared > 180 && breakAfter.size > 0);
  // at the end of the record the running average is the record's average
  assert.equal(c.at(-1)![3], a.at(-1)![3]);
});

test("irregularity: 0 in a regular rhythm around a premature beat, high in an irregular one, breaks left out", () => {
  assert.deepEqual(RHYTHM_FEATURES.at(-1), "irregularity");
  assert.deepEqual(
    RHYTHM_FEATURE_IS_SECONDS,
    [true, true, true, true, false, false, false, false],
    "the four RR are seconds, the rest ratios",
  );
  const irr = (rr: number[], fs = 100): number[] => {
    const peaks = [0];
    for (const v of rr) peaks.push(peaks.at(-1)! + Math.round(v * fs));
    return rows(rhythmFeatures(peaks, fs)).map((r) => r[7]!);
  };
  // regular at 1 s, a premature beat (0.6 s) then its compensatory pause (1.4 s)
  const regular = irr([1, 1, 1, 1, 0.6, 1.4, 1, 1]);
  assert.equal(regular[5], 0, "the premature beat itself: the rhythm before it was regular");
  // the beat after it sees (1, 1, 1, 1, 0.6) before its 1.4: steps 0.4 in 4, mean 4.6/5
  assert.ok(Math.abs(regular[6]! - 0.4 / 4 / (4.6 / 5)) < 1e-6);
  assert.equal(IRREGULARITY_MIN_INTERVALS, 3);
  assert.deepEqual(regular.slice(0, 4), [0, 0, 0, 0], "fewer than 3 intervals before: 0");
  // alternating 0.5 / 1.0 (an irregular rhythm): steps of 0.5 over a mean of 0.75
  const alternating = irr([0.5, 1, 0.5, 1, 0.5, 1, 0.5, 1, 0.5, 1, 0.5, 1, 0.5]);
  assert.ok(Math.abs(alternating.at(-1)! - 0.5 / 0.75) < 1e-6);
  // a break (> MAX_RR_SECONDS) is not an interval: (1, 1, break, 1) reads as three regular intervals
  assert.deepEqual(irr([1, 1, MAX_RR_SECONDS + 1, 1, 1]).at(-1), 0);
  // only double detections (mean 0): 0, not NaN
  assert.deepEqual(irr([0, 0, 0, 0]).at(-1), 0);
});

test("causal advance(): a beat with no next R peak within MAX_RR_SECONDS is decided then, as a later push would decide it", () => {
  const fed = (t: RhythmTracker): RhythmBeat[] => [...t.push(0), ...t.push(100), ...t.push(180)];
  const waiting = new RhythmTracker(100, { causal: true });
  const early = fed(waiting);
  assert.equal(early.length, 2);
  // No R peak can come before 180 + 6 s: not yet decided.
  assert.deepEqual(waiting.advance(180 + MAX_RR_SECONDS * 100), []);
  // Past it: beat 2's postRR is a break whatever comes; it is decided now.
  const now = waiting.advance(180 + MAX_RR_SECONDS * 100 + 1);
  assert.equal(now.length, 1);
  assert.equal(now[0]!.peak, 180);
  // The same features as a tracker that saw the next R peak 7 s later, and nothing left twice.
  const later = new RhythmTracker(100, { causal: true });
  fed(later);
  const pushed = later.push(180 + 700);
  assert.deepEqual(Array.from(now[0]!.features), Array.from(pushed[0]!.features));
  assert.deepEqual(
    waiting.push(180 + 700).map((b) => b.peak),
    [],
  );
  assert.deepEqual(
    waiting.flush().map((b) => b.peak),
    [880],
  );
});
