// Focal loss against values computed by hand from its definition.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Tensor } from "../src/engine/index.js";
import { crossEntropy, focalLoss } from "../src/nn/losses.js";
import { engineSkip, maxAbsDiff } from "./helpers/engine.js";

// Two samples, three classes. Row 0: logits (0, ln 3, 0) → p = (0.2, 0.6, 0.2); target 1 → p_t = 0.6.
// Row 1: logits (ln 4, 0, 0) → p = (2/3, 1/6, 1/6); target 2 → p_t = 1/6.
const logitsData = [0, Math.log(3), 0, Math.log(4), 0, 0];
const targets = [1, 2];
const alpha = [0.5, 0.25, 2];

describe("focal loss", { skip: engineSkip }, () => {
  test("value: mean of -alpha·(1-p)^gamma·log p", () => {
    const logits = Tensor.fromArray(Float32Array.from(logitsData), [2, 3]);
    const got = focalLoss(logits, Tensor.int64(targets), { alpha, gamma: 2 }).item();
    const l0 = -0.25 * 0.4 ** 2 * Math.log(0.6);
    const l1 = -2 * (5 / 6) ** 2 * Math.log(1 / 6);
    assert.ok(Math.abs(got - (l0 + l1) / 2) < 1e-6, `${got}`);
  });

  test("gamma 0 without alpha is cross-entropy", () => {
    const logits = Tensor.fromArray(Float32Array.from(logitsData), [2, 3]);
    const fl = focalLoss(logits, Tensor.int64(targets), { gamma: 0 }).item();
    const ce = crossEntropy(logits, Tensor.int64(targets)).item();
    assert.ok(Math.abs(fl - (-Math.log(0.6) - Math.log(1 / 6)) / 2) < 1e-6);
    assert.ok(Math.abs(fl - ce) < 1e-6);
  });

  test("gradient: the seed's detached modulating factor, and the fully differentiated form", () => {
    // For one sample with target t: d(-a(1-p)^g log p)/dz_j with (1-p)^g held constant is
    // a(1-p)^g (p_j - [j=t]); differentiating the factor too adds a·g(1-p)^(g-1) log p · p (δ_jt - p_j).
    const p = [0.2, 0.6, 0.2];
    const a = 0.25;
    const g = 2;
    const detached = p.map((pj, j) => (a * (1 - 0.6) ** g * (pj - (j === 1 ? 1 : 0))) / 2);
    const extra = p.map(
      (pj, j) => (a * g * (1 - 0.6) ** (g - 1) * Math.log(0.6) * 0.6 * ((j === 1 ? 1 : 0) - pj)) / 2,
    );
    for (const [detach, expected] of [
      [true, detached],
      [false, detached.map((d, j) => d + extra[j]!)],
    ] as const) {
      const logits = Tensor.fromArray(Float32Array.from(logitsData), [2, 3]);
      logits.requiresGrad = true;
      focalLoss(logits, Tensor.int64(targets), { alpha, gamma: g, detachModulating: detach }).backward();
      const row0 = logits.grad!.toNumbers().slice(0, 3);
      assert.ok(maxAbsDiff(row0, expected) < 1e-6, `detach=${detach}: ${row0} vs ${expected}`);
    }
  });
});
