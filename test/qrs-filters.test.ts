import assert from "node:assert/strict";
import { test } from "node:test";
import {
  butterworth,
  FivePointDerivative,
  groupDelay,
  MovingAverage,
  magnitude,
  SosFilter,
} from "../src/qrs/filters.js";

const FS = 360;

test("Butterworth sections have -3 dB at the cut-off, unit pass-band gain and a stop-band zero", () => {
  for (const order of [1, 2, 3, 4]) {
    const lp = butterworth("lowpass", order, 15, FS);
    const hp = butterworth("highpass", order, 5, FS);
    assert.ok(Math.abs(magnitude(lp, 15, FS) - Math.SQRT1_2) < 1e-9, `lowpass order ${order} at cut-off`);
    assert.ok(Math.abs(magnitude(hp, 5, FS) - Math.SQRT1_2) < 1e-9, `highpass order ${order} at cut-off`);
    assert.ok(Math.abs(magnitude(lp, 0, FS) - 1) < 1e-12);
    assert.ok(magnitude(hp, 0, FS) < 1e-12);
    assert.ok(Math.abs(magnitude(hp, FS / 2 - 1e-6, FS) - 1) < 1e-6);
    // Maximally flat: the response falls monotonically past the cut-off, faster for higher orders.
    assert.ok(magnitude(lp, 30, FS) < magnitude(lp, 20, FS));
  }
  assert.ok(
    magnitude(butterworth("lowpass", 4, 15, FS), 45, FS) <
      magnitude(butterworth("lowpass", 2, 15, FS), 45, FS),
  );
});

test("SosFilter passes DC through a low-pass and removes it with a high-pass", () => {
  const lp = new SosFilter(butterworth("lowpass", 2, 15, FS));
  const hp = new SosFilter(butterworth("highpass", 2, 5, FS));
  let ylp = 0;
  let yhp = 0;
  for (let i = 0; i < 2000; i++) {
    ylp = lp.step(1);
    yhp = hp.step(1);
  }
  assert.ok(Math.abs(ylp - 1) < 1e-9);
  assert.ok(Math.abs(yhp) < 1e-9);
});

test("SosFilter's steady-state sine amplitude matches the designed magnitude", () => {
  const sections = [...butterworth("highpass", 2, 5, FS), ...butterworth("lowpass", 2, 15, FS)];
  for (const f of [2, 10, 30]) {
    const filt = new SosFilter(sections);
    let peak = 0;
    for (let i = 0; i < 20 * FS; i++) {
      const y = filt.step(Math.sin((2 * Math.PI * f * i) / FS));
      if (i > 10 * FS) peak = Math.max(peak, Math.abs(y));
    }
    // (the largest sample may miss the crest by up to half a sample: 1 - cos(pi f / fs))
    const tol = 1 - Math.cos((Math.PI * f) / FS) + 1e-4;
    assert.ok(
      Math.abs(peak / magnitude(sections, f, FS) - 1) < tol,
      `at ${f} Hz: ${peak} vs ${magnitude(sections, f, FS)}`,
    );
  }
  // The band-pass's group delay near its centre is a few tens of milliseconds.
  const d = groupDelay(sections, 8.66, FS);
  assert.ok(d > 3 && d < 30, `group delay ${d}`);
});

test("the five-point derivative of a ramp is its slope (per second) after 4 samples", () => {
  const der = new FivePointDerivative(FS);
  let y = 0;
  for (let i = 0; i < 10; i++) y = der.step(0.5 * i);
  // d/dt of 0.5 per sample = 0.5 * fs per second; the kernel (2,1,0,-1,-2)/8 sums its lags to 10/8.
  assert.ok(Math.abs(y - 0.5 * FS * (10 / 8)) < 1e-9);
});

test("MovingAverage is the mean of the last `width` inputs, and stays exact over long runs", () => {
  const ma = new MovingAverage(5);
  const xs = [1, 2, 3, 4, 5, 6, 7];
  const ys = xs.map((x) => ma.step(x));
  assert.deepEqual(ys.slice(4), [3, 4, 5]);
  assert.equal(ys[0], 1 / 5);
  const long = new MovingAverage(54);
  let y = 0;
  for (let i = 0; i < 1_000_000; i++) y = long.step(i % 2 === 0 ? 1e6 : 1e-6);
  assert.ok(Math.abs(y - (27 * 1e6 + 27 * 1e-6) / 54) < 1e-6);
});
