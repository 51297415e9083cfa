// The optimizers' fused native step (native/src/optim_fused.cc) against their TypeScript step
// (src/nn/optim/): the compact network trained 20 steps each way must end on the same bits —
// weights, BatchNorm statistics and the optimizer's moments.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { manualSeed, Tensor, tidy } from "../src/engine/index.js";
import { presetConfig } from "../src/models/config.js";
import { SeedNet } from "../src/models/seed-net.js";
import { crossEntropy } from "../src/nn/losses.js";
import { AdaBound, Adam, AdamW, type Optimizer } from "../src/nn/optim/index.js";
import { engineSkip } from "./helpers/engine.js";

type MakeOptimizer = (params: readonly Tensor[], fused: boolean) => Optimizer;

interface Trained {
  /** State-dict and optimizer-state tensors by name, as raw bytes. */
  bytes: Map<string, Buffer>;
  steps: number;
}

function bytesOf(t: Tensor): Buffer {
  const a = t.toArray();
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Trains the compact network 20 steps (a moving lr, so AdaBound's bounds move) and reads everything back. */
function train20(make: MakeOptimizer, fused: boolean): Trained {
  manualSeed(11);
  const model = new SeedNet(presetConfig("compact"));
  model.train();
  const optimizer = make(model.parameters(), fused);
  try {
    for (let i = 0; i < 20; i++) {
      optimizer.lr = 1e-3 * (1 - i / 40);
      tidy(() => {
        optimizer.zeroGrad();
        const { x, y } = batch(8, i);
        crossEntropy(model.forward(x), y).backward();
        optimizer.step();
      });
    }
    const bytes = new Map<string, Buffer>();
    for (const [k, t] of model.stateDict()) bytes.set(k, bytesOf(t));
    for (const [k, t] of optimizer.stateDict()) bytes.set(`optimizer.${k}`, bytesOf(t));
    return { bytes, steps: optimizer.stepCount };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** Deterministic beats and labels for step i (independent of the RNG the model draws from). */
function batch(n: number, step: number): { x: Tensor; y: Tensor } {
  const x = new Float32Array(n * 187);
  for (let j = 0; j < x.length; j++) x[j] = Math.sin(0.05 * j + step) * 0.5 + 0.5;
  const labels = Array.from({ length: n }, (_, j) => (j + step) % 5);
  return { x: Tensor.fromArray(x, [n, 1, 187]), y: Tensor.int64(labels) };
}

const cases: [string, MakeOptimizer][] = [
  ["AdaBound (the seed's settings)", (p, fused) => new AdaBound(p, { lr: 1e-3, finalLr: 0.1, fused })],
  [
    "AMSBound with L2 weight decay",
    (p, fused) => new AdaBound(p, { lr: 1e-3, finalLr: 0.1, amsbound: true, weightDecay: 5e-4, fused }),
  ],
  ["Adam", (p, fused) => new Adam(p, { lr: 1e-3, fused })],
  ["Adam with L2 weight decay", (p, fused) => new Adam(p, { lr: 1e-3, weightDecay: 1e-2, fused })],
  ["AdamW", (p, fused) => new AdamW(p, { lr: 1e-3, fused })],
];

describe("fused optimizer steps", { skip: engineSkip }, () => {
  for (const [name, make] of cases) {
    test(`${name}: fused and TypeScript steps give the same bits after 20 steps`, () => {
      const fused = train20(make, true);
      const plain = train20(make, false);
      assert.equal(fused.steps, 20);
      assert.equal(plain.steps, 20);
      assert.deepEqual([...fused.bytes.keys()], [...plain.bytes.keys()]);
      assert.ok(fused.bytes.has("optimizer.0.exp_avg"), "the optimizer kept moments");
      for (const [k, b] of fused.bytes) {
        assert.ok(b.equals(plain.bytes.get(k)!), `${k} differs between the fused and the TypeScript step`);
      }
    });
  }

  test("the steps move the weights (the comparison above is not of untouched tensors)", () => {
    manualSeed(11);
    const initial = new SeedNet(presetConfig("compact"));
    const before = bytesOf(initial.fc2.weight);
    initial.dispose();
    for (const fused of [true, false]) {
      const after = train20(cases[0]![1], fused).bytes.get("fc2.weight")!;
      assert.ok(!after.equals(before), `fused=${fused}: fc2.weight unchanged after 20 steps`);
    }
  });
});
