import assert from "node:assert/strict";
import { test } from "node:test";
import { resample, resampledLength, resampleRatio } from "../src/signal/resample.js";
import { range, scaleToUnit } from "../src/signal/scale.js";

function sine(n: number, fs: number, hz: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * hz * i) / fs));
}

test("360 → 125 Hz: the ratio is 25/72 and the length ceil(n·25/72), as resample_poly", () => {
  assert.deepEqual(resampleRatio(360, 125), { up: 25, down: 72 });
  assert.equal(resample(new Float32Array(650000), 360, 125).length, 225695);
  assert.equal(resampledLength(650000, 360, 125), 225695);
  assert.equal(resample(new Float32Array(10), 360, 125).length, 4);
});

test("a constant stays constant, edges included (edge extension, unit DC gain)", () => {
  const out = resample(new Float32Array(3600).fill(-1.5), 360, 125);
  for (const v of out) assert.ok(Math.abs(v + 1.5) < 2e-3, `${v}`);
});

test("a 5 Hz sine passes unchanged in amplitude and phase", () => {
  const out = resample(sine(3600, 360, 5), 360, 125);
  const want = sine(out.length, 125, 5);
  // Away from the ends, where the filter sees only the signal.
  for (let m = 100; m < out.length - 100; m++) assert.ok(Math.abs(out[m]! - want[m]!) < 2e-3, `at ${m}`);
});

test("a 100 Hz sine (above the new 62.5 Hz Nyquist) is filtered out, not aliased to 25 Hz", () => {
  const out = resample(sine(3600, 360, 100), 360, 125);
  let energy = 0;
  for (let m = 100; m < out.length - 100; m++) energy += out[m]! ** 2;
  const rms = Math.sqrt(energy / (out.length - 200));
  // Plain decimation would leave an RMS of ~0.7 (a 25 Hz alias); the Kaiser filter's stopband is ~-50 dB.
  assert.ok(rms < 0.01, `rms ${rms}`);
});

test("zero phase: an impulse at 2 s peaks at 2 s after resampling", () => {
  const x = new Float32Array(3600);
  x[720] = 1;
  const out = resample(x, 360, 125);
  const peak = out.indexOf(Math.max(...out));
  assert.equal(peak, 250);
});

test("equal rates give a copy; non-integer rates work", () => {
  const x = Float32Array.from([1, 2, 3]);
  const y = resample(x, 125, 125);
  assert.deepEqual(Array.from(y), [1, 2, 3]);
  assert.notEqual(y, x);
  assert.equal(resample(new Float32Array(1000), 128.5, 125).length, Math.ceil((1000 * 250) / 257));
});

test("scaleToUnit maps a window onto [0, 1]; a flat window becomes zeros", () => {
  const x = Float32Array.from([2, 4, 3, 7, 7, 7]);
  for (const [start, end] of [
    [0, 3],
    [3, 6],
  ] as const) {
    const { min, max } = range(x, start, end);
    scaleToUnit(x, min, max, start, end);
  }
  assert.deepEqual(Array.from(x), [0, 1, 0.5, 0, 0, 0]);
});
