import assert from "node:assert/strict";
import { test } from "node:test";
import { readLead } from "../src/dataset/read-lead.js";
import { bxbStats, compareBeats } from "../src/eval/bxb.js";
import { referenceBeats } from "../src/eval/bxb-reference.js";
import { detectQrs } from "../src/qrs/detect.js";
import { PanTompkinsDetector } from "../src/qrs/pan-tompkins.js";
import { readAnnotations } from "../src/wfdb/annotation.js";
import { mitdbSkip, recordPath } from "./helpers/mitdb.js";

const FS = 360;

/** A seeded uniform generator (mulberry32), so the synthetic signals are the same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Synthetic ECG: narrow QRS (1 mV) with T waves, RR varying ±15 %, 1 mV of 0.3 Hz baseline wander,
 * two 1.5 s bursts of 0.15 mV noise, and optionally a 3 mV, 2 ms pacing spike 40 ms before each QRS.
 */
function synthetic(
  seconds: number,
  opts: { paced?: boolean; seed?: number } = {},
): { x: Float32Array; beats: number[] } {
  const rand = rng(opts.seed ?? 1);
  const n = seconds * FS;
  const x = new Float32Array(n);
  const beats: number[] = [];
  for (let t = Math.round(0.5 * FS); t < n - FS; t += Math.round(FS * 0.8 * (0.85 + 0.3 * rand())))
    beats.push(t);
  const bump = (centre: number, amp: number, sigmaS: number): void => {
    const s = sigmaS * FS;
    for (let i = Math.max(0, Math.floor(centre - 5 * s)); i < Math.min(n, centre + 5 * s); i++) {
      x[i]! += amp * Math.exp(-0.5 * ((i - centre) / s) ** 2);
    }
  };
  for (const b of beats) {
    bump(b - 0.02 * FS, -0.15, 0.006);
    bump(b, 1, 0.01);
    bump(b + 0.03 * FS, -0.25, 0.008);
    bump(b + 0.28 * FS, 0.3, 0.05);
    if (opts.paced)
      for (let i = b - Math.round(0.04 * FS); i < b - Math.round(0.04 * FS) + 1; i++) x[i]! += 3;
  }
  for (let i = 0; i < n; i++) {
    x[i]! += Math.sin((2 * Math.PI * 0.3 * i) / FS);
    const inBurst = (i > 20 * FS && i < 21.5 * FS) || (i > 40 * FS && i < 41.5 * FS);
    if (inBurst) x[i]! += 0.3 * (rand() - 0.5);
  }
  return { x, beats };
}

function score(reference: number[], found: ArrayLike<number>): { se: number; ppv: number } {
  const q = bxbStats(
    compareBeats({ samples: reference }, { samples: found }, { fs: FS, start: 0 }).matrix,
  ).qrs;
  return { se: q.se.value ?? 0, ppv: q.ppv.value ?? 0 };
}

test("finds every beat of a synthetic ECG with baseline wander and noise bursts, within 10 ms", () => {
  const { x, beats } = synthetic(60);
  const found = detectQrs(x, FS);
  const { se, ppv } = score(beats, found);
  assert.equal(se, 100);
  assert.equal(ppv, 100);
  for (let i = 0; i < beats.length; i++)
    assert.ok(Math.abs(found[i]! - beats[i]!) <= 4, `beat ${i}: ${found[i]} vs ${beats[i]}`);
});

test("a pacing spike before each QRS gives one detection per beat", () => {
  const { x, beats } = synthetic(60, { paced: true, seed: 7 });
  const { se, ppv } = score(beats, detectQrs(x, FS));
  assert.equal(se, 100);
  assert.equal(ppv, 100);
});

test("works at other sampling rates (250 Hz)", () => {
  const { x, beats } = synthetic(60, { seed: 3 });
  // Take every 36th of 25 samples by linear interpolation: 360 → 250 Hz.
  const n = Math.floor((x.length * 250) / FS);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = (i * FS) / 250;
    const k = Math.floor(t);
    y[i] = x[k]! + (t - k) * ((x[k + 1] ?? x[k]!) - x[k]!);
  }
  const found = Array.from(detectQrs(y, 250), (s) => Math.round((s * FS) / 250));
  const { se, ppv } = score(beats, found);
  assert.equal(se, 100);
  assert.equal(ppv, 100);
});

test("NaN samples and a flat or very short signal do not throw", () => {
  const { x } = synthetic(20);
  x.fill(Number.NaN, 3000, 3100);
  assert.ok(detectQrs(x, FS).length > 15);
  assert.equal(detectQrs(new Float32Array(5000), FS).length, 0);
  assert.equal(detectQrs(new Float32Array(10), FS).length, 0);
});

test("streaming in odd-sized chunks equals the batch result; main-rule beats come within the stated delay", {
  skip: mitdbSkip,
}, () => {
  for (const name of ["105", "203", "232"]) {
    const { signal, fs } = readLead(recordPath(name));
    const batch = Array.from(detectQrs(signal, fs));
    const chunks: Float32Array[] = [];
    for (let i = 0, k = 1; i < signal.length; i += k, k = (k * 7 + 3) % 997)
      chunks.push(signal.subarray(i, i + k));
    const detector = new PanTompkinsDetector(fs);
    const streamed: number[] = [];
    for (const chunk of chunks) streamed.push(...detector.push(chunk));
    streamed.push(...detector.flush());
    assert.deepEqual(streamed, batch, `record ${name}: chunk by chunk`);

    // Latency, sample by sample: what the main rule reports it reports within detectionDelay.
    const det = new PanTompkinsDetector(fs);
    const lat: number[] = [];
    for (let i = 0; i < signal.length; i += 1)
      for (const r of det.push(signal.subarray(i, i + 1))) if (r > 2 * fs) lat.push(det.samplesSeen - r);
    lat.sort((a, b) => a - b);
    const p99 = lat[Math.floor(0.99 * (lat.length - 1))]!;
    assert.ok(p99 <= det.detectionDelay, `record ${name}: p99 latency ${p99} > ${det.detectionDelay}`);
  }
});

/** Detection scores on single MIT-BIH records, including the noisy, paced and hard ones. */
for (const [name, minSe, minPpv] of [
  ["100", 99.9, 99.9],
  ["104", 99.5, 98.5], // paced, noisy
  ["105", 99.3, 98.0], // heavy noise
  ["108", 99.3, 98.0], // large P and T waves, low QRS
  ["203", 98.8, 98.5], // multiform VEBs, noise
  ["207", 99.9, 99.5], // VF episodes excluded, as bxb does
  ["217", 99.8, 99.8], // paced
] as const) {
  test(`MIT-BIH ${name}: detection Se ≥ ${minSe} %, +P ≥ ${minPpv} %`, { skip: mitdbSkip }, () => {
    const { signal, fs } = readLead(recordPath(name));
    const ref = referenceBeats(readAnnotations(recordPath(name)));
    const q = bxbStats(
      compareBeats(ref, { samples: detectQrs(signal, fs) }, { fs, start: 0, excluded: ref.vf }).matrix,
    ).qrs;
    assert.ok(q.se.value! >= minSe, `Se ${q.se.value}`);
    assert.ok(q.ppv.value! >= minPpv, `+P ${q.ppv.value}`);
  });
}
