// Operations against values worked out by hand (not against libtorch's own output).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { noGrad, Tensor } from "../src/engine/index.js";
import { engineSkip, maxAbsDiff } from "./helpers/engine.js";

const f32 = (values: number[], shape: number[]) => Tensor.fromArray(new Float32Array(values), shape);

describe("ops against known values", { skip: engineSkip }, () => {
  test("conv1d with stride 2, padding 1 and 2 groups", () => {
    // x: 1 batch, 2 channels, length 5; weight: 2 out channels, 1 in/group, k = 3; groups 2.
    const x = f32([1, 2, 3, 4, 5, 10, 20, 30, 40, 50], [1, 2, 5]);
    const w = f32([1, 0, -1, 0.5, 0.5, 0.5], [2, 1, 3]);
    const b = f32([0.1, -1], [2]);
    const y = x.conv1d(w, b, { stride: 2, padding: 1, groups: 2 });
    assert.deepEqual(y.shape, [1, 2, 3]);
    // channel 0 padded [0,1,2,3,4,5,0], taps (1,0,-1) at positions 0,2,4: 0-2, 2-4, 4-0 → -2,-2,4 (+0.1)
    // channel 1 padded [0,10,20,30,40,50,0], taps 0.5 each: 15, 45, 45 (-1)
    assert.ok(maxAbsDiff(y.toFloat32Array(), [-1.9, -1.9, 4.1, 14, 44, 44]) < 1e-6);
  });

  test("batch norm in training mode normalises with batch statistics and updates running ones", () => {
    // one channel, values 1..4 over batch 2 × length 2: mean 2.5, biased var 1.25, unbiased 5/3
    const x = f32([1, 2, 3, 4], [2, 1, 2]);
    const rm = Tensor.zeros([1]);
    const rv = Tensor.ones([1]);
    const y = noGrad(() =>
      x.batchNorm(f32([2], [1]), f32([1], [1]), rm, rv, { training: true, momentum: 0.1, eps: 0 }),
    );
    const s = Math.sqrt(1.25);
    const expected = [1, 2, 3, 4].map((v) => (2 * (v - 2.5)) / s + 1);
    assert.ok(maxAbsDiff(y.toFloat32Array(), expected) < 1e-5);
    assert.ok(Math.abs(rm.item() - 0.25) < 1e-6); // 0.9·0 + 0.1·2.5
    assert.ok(Math.abs(rv.item() - (0.9 + 0.1 * (5 / 3))) < 1e-6); // unbiased variance, as PyTorch
  });

  test("batch norm in eval mode uses the running statistics", () => {
    const x = f32([1, 2, 3, 4], [2, 1, 2]);
    const y = x.batchNorm(f32([2], [1]), f32([1], [1]), f32([1], [1]), f32([4], [1]), {
      training: false,
      momentum: 0.1,
      eps: 0,
    });
    assert.ok(
      maxAbsDiff(
        y.toFloat32Array(),
        [1, 2, 3, 4].map((v) => (2 * (v - 1)) / 2 + 1),
      ) < 1e-6,
    );
  });

  test("max and average pooling", () => {
    const x = f32([1, 5, 2, 8, 3, 0, 7], [1, 1, 7]);
    assert.deepEqual(x.maxPool1d(3).toNumbers(), [5, 8]);
    assert.deepEqual(x.avgPool1d(2).toNumbers(), [3, 5, 1.5]);
    assert.deepEqual(x.maxPool1d(2, 1).toNumbers(), [5, 5, 8, 8, 3, 7]);
  });

  test("leaky ReLU, softmax, log-softmax, gather, argmax, concatenation on the length axis", () => {
    assert.deepEqual(
      f32([-2, 3], [2])
        .leakyRelu(0.01)
        .toNumbers()
        .map((v) => Number(v.toFixed(6))),
      [-0.02, 3],
    );
    const p = f32([0, Math.log(3)], [1, 2])
      .softmax(1)
      .toNumbers();
    assert.ok(maxAbsDiff(p, [0.25, 0.75]) < 1e-6);
    const lp = f32([0, Math.log(3)], [1, 2])
      .logSoftmax(1)
      .toNumbers();
    assert.ok(maxAbsDiff(lp, [Math.log(0.25), Math.log(0.75)]) < 1e-6);
    const g = f32([10, 11, 12, 20, 21, 22], [2, 3]).gather(1, Tensor.int64([2, 0], [2, 1]));
    assert.deepEqual(g.toNumbers(), [12, 20]);
    assert.deepEqual(f32([1, 9, 3, 7, 2, 0], [2, 3]).argmax(1).toNumbers(), [1, 0]);
    const c = Tensor.cat([f32([1, 2, 3, 4], [1, 2, 2]), f32([5, 6], [1, 2, 1])], 2);
    assert.deepEqual(c.shape, [1, 2, 3]);
    assert.deepEqual(c.toNumbers(), [1, 2, 5, 3, 4, 6]);
  });

  test("linear and dropout (eval identity, training zeroes and rescales)", () => {
    const y = f32([1, 2], [1, 2]).linear(f32([1, 1, 2, -1], [2, 2]), f32([0.5, 0], [2]));
    assert.deepEqual(y.toNumbers(), [3.5, 0]);
    const x = Tensor.ones([1000]);
    assert.deepEqual(x.dropout(0.3, false).toNumbers().slice(0, 3), [1, 1, 1]);
    const d = x.dropout(0.5, true).toNumbers();
    assert.ok(d.every((v) => v === 0 || Math.abs(v - 2) < 1e-6));
    const kept = d.filter((v) => v !== 0).length;
    assert.ok(kept > 400 && kept < 600, `kept ${kept}`);
  });

  test("gradients of a conv/bn/pool/linear composite match central finite differences (float64)", () => {
    const x = Tensor.rand([2, 2, 9]).toDtype("float64");
    const w = Tensor.randn([4, 1, 3]).toDtype("float64");
    const lw = Tensor.randn([3, 4 * 4]).toDtype("float64");
    w.requiresGrad = true;
    const f = (wt: Tensor): Tensor =>
      x
        .conv1d(wt, null, { padding: 1, groups: 2 })
        .batchNorm(null, null, null, null, { training: true, momentum: 0.1, eps: 1e-5 })
        .leakyRelu(0.01)
        .avgPool1d(2)
        .flatten(1)
        .linear(lw, null)
        .logSoftmax(1)
        .narrow(1, 0, 1)
        .sum();
    f(w).backward();
    const analytic = w.grad!.toNumbers();
    const base = w.toArray() as Float64Array;
    const h = 1e-6;
    const numeric = Array.from(base, (_, i) => {
      const plus = Float64Array.from(base);
      const minus = Float64Array.from(base);
      plus[i]! += h;
      minus[i]! -= h;
      const fp = noGrad(() => f(Tensor.fromArray(plus, [4, 1, 3])).item());
      const fm = noGrad(() => f(Tensor.fromArray(minus, [4, 1, 3])).item());
      return (fp - fm) / (2 * h);
    });
    assert.ok(maxAbsDiff(analytic, numeric) < 1e-6, `max diff ${maxAbsDiff(analytic, numeric)}`);
  });
});
