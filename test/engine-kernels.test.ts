// The engine's own kernels (native/src/kernels.h) against the ATen operations they replace: bit for
// bit, forward and gradient, on the shapes the seed's network pools and on awkward ones.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { manualSeed, noGrad, setEngineKernelsEnabled, Tensor, tidy } from "../src/engine/index.js";
import { engineSkip } from "./helpers/engine.js";

interface PoolRun {
  out: Float32Array;
  grad: Float32Array;
}

function poolForwardBackward(x: Float32Array, shape: number[], kernel: number, stride: number): PoolRun {
  return tidy(() => {
    const t = Tensor.fromArray(x, shape);
    t.requiresGrad = true;
    const y = t.avgPool1d(kernel, stride, 0);
    // a non-uniform upstream gradient, so every output's gradient is different
    const g = Tensor.fromArray(
      Float32Array.from({ length: y.shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37) * 3),
      y.shape,
    );
    y.backward(g);
    return { out: y.toFloat32Array(), grad: t.grad!.toFloat32Array() };
  });
}

function bitsEqual(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) assert.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}

describe("engine kernels", { skip: engineSkip }, () => {
  // [batch, channels, length, kernel]: the seed network's six poolings for the compact preset
  // (shortcuts 3, 6, 12; paths 2), then a tail no window covers, a single window, a batch of one.
  const cases: Array<[number, number, number, number]> = [
    [128, 32, 181, 3],
    [128, 64, 181, 6],
    [128, 128, 189, 12],
    [128, 32, 120, 2],
    [16, 64, 60, 2],
    [4, 128, 30, 2],
    [3, 5, 23, 4],
    [2, 3, 7, 7],
    [1, 1, 10, 3],
  ];
  for (const [b, c, l, k] of cases) {
    test(`avg_pool1d kernel ${k} on (${b}, ${c}, ${l}) is ATen's, bit for bit, forward and gradient`, () => {
      manualSeed(7);
      const x = noGrad(() => tidy(() => Tensor.randn([b, c, l]).mul(4).toFloat32Array()));
      const ours = poolForwardBackward(x, [b, c, l], k, k);
      const previous = setEngineKernelsEnabled(false);
      let aten: PoolRun;
      try {
        aten = poolForwardBackward(x, [b, c, l], k, k);
      } finally {
        setEngineKernelsEnabled(previous);
      }
      assert.equal(previous, true, "the engine's kernels are on by default");
      assert.equal(ours.out.length, b * c * Math.floor(l / k));
      bitsEqual(ours.out, aten.out, "forward");
      bitsEqual(ours.grad, aten.grad, "gradient");
      if (l % k !== 0) assert.equal(ours.grad[l - 1], 0, "the uncovered tail gets no gradient");
    });
  }

  test("overlapping windows and padding still go to ATen (same results as before)", () => {
    const x = Tensor.fromArray(new Float32Array([1, 5, 2, 8, 3, 0, 7]), [1, 1, 7]);
    assert.deepEqual(
      x
        .avgPool1d(3, 2, 1)
        .toNumbers()
        .map((v) => Math.round(v * 1e6) / 1e6),
      [2, 5, 3.666667, 2.333333],
    );
    x.dispose();
  });
});
