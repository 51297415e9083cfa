// Gradient clipping by total norm (src/nn/clip-grad.ts), against the norm computed by hand.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Tensor } from "../src/engine/index.js";
import { clipGradNorm } from "../src/nn/clip-grad.js";
import { engineSkip } from "./helpers/engine.js";

/** Two parameters whose gradients are set by hand: [3, 4] and [12] (total norm 13). */
function params(): Tensor[] {
  const a = Tensor.fromArray(new Float32Array([1, 1]), [2]);
  const b = Tensor.fromArray(new Float32Array([1]), [1]);
  a.requiresGrad = true;
  b.requiresGrad = true;
  a.mul(Tensor.fromArray(new Float32Array([3, 4]), [2]))
    .sum()
    .add(b.mul(12).sum())
    .backward();
  return [a, b];
}

const grads = (ps: Tensor[]) => ps.flatMap((p) => [...(p.grad!.toArray() as Float32Array)]);

test("over the bound, every gradient is scaled to the bound's total norm; under it, none is", {
  skip: engineSkip,
}, () => {
  const over = params();
  assert.ok(Math.abs(clipGradNorm(over, 6.5) - 13) < 1e-5, "returns the norm before clipping");
  const scale = 6.5 / (13 + 1e-6);
  grads(over).forEach((g, i) => {
    assert.ok(Math.abs(g - [3, 4, 12][i]! * scale) < 1e-5, `${g}`);
  });
  const clippedNorm = Math.hypot(...grads(over));
  assert.ok(Math.abs(clippedNorm - 6.5) < 1e-5, `${clippedNorm}`);

  const under = params();
  assert.ok(Math.abs(clipGradNorm(under, 20) - 13) < 1e-5);
  assert.deepEqual(grads(under), [3, 4, 12]);
  // Parameters without gradients count for nothing.
  assert.equal(clipGradNorm([Tensor.fromArray(new Float32Array([1]), [1])], 1), 0);
});
