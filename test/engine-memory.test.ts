// Native memory must not grow across training steps: a small conv net trained for 2,000 steps inside
// tidy() scopes, resident memory sampled after a warm-up and at the end.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { gcExternalBytes, keep, liveTensors, setNumThreads, Tensor, tidy } from "../src/engine/index.js";
import { BatchNorm1d, Conv1d, LeakyReLU, Linear, MaxPool1d, Sequential } from "../src/nn/layers.js";
import { focalLoss } from "../src/nn/losses.js";
import { AdaBound } from "../src/nn/optim/index.js";
import { engineSkip } from "./helpers/engine.js";

test("resident memory stays flat over 2,000 training steps", { skip: engineSkip }, async () => {
  setNumThreads(1);
  const features = new Sequential(
    new Conv1d(1, 8, 7),
    new BatchNorm1d(8),
    new LeakyReLU(),
    new MaxPool1d(3),
    new Conv1d(8, 8, 3, { groups: 4 }),
  );
  const head = new Linear(8 * 17, 5);
  const optimizer = new AdaBound([...features.parameters(), ...head.parameters()]);
  const x = Tensor.rand([16, 1, 64]);
  const y = Tensor.int64(Array.from({ length: 16 }, (_, i) => i % 5));
  const step = () =>
    tidy(() => {
      optimizer.zeroGrad();
      const logits = head.forward(features.forward(x).flatten(1));
      const loss = focalLoss(logits, y, { gamma: 2, alpha: [0.15, 0.75, 0.65, 0.75, 0.25] });
      loss.backward();
      optimizer.step();
      return loss.item();
    });
  // A full garbage collection before each sample, so that V8's own heap growth is not counted.
  // The loop yields to the event loop every 8 steps, as the trainer does (and as a Ctrl-C handler needs).
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const rss: number[] = [];
  const external: number[] = [];
  const live: number[] = [];
  for (let i = 1; i <= 2000; i++) {
    step();
    if (i % 8 === 0) await yieldToEventLoop();
    if (i % 250 === 0) {
      gc();
      await yieldToEventLoop();
      const m = process.memoryUsage();
      rss.push(m.rss);
      external.push(gcExternalBytes());
      live.push(liveTensors());
    }
  }
  console.log(
    `native bytes V8 is told about, MiB: ${external.map((r) => (r / 2 ** 20).toFixed(2)).join(" ")}`,
  );
  console.log(`live native tensors: ${live.join(" ")}`);
  assert.ok(
    live.every((n) => n === live[0]),
    "every step frees every tensor it made",
  );
  const growthMiB = (rss[rss.length - 1]! - rss[1]!) / 2 ** 20;
  console.log(`rss MiB at every 250 steps: ${rss.map((r) => (r / 2 ** 20).toFixed(1)).join(" ")}`);
  // Each step allocates ~100 tensors (~0.2 MiB); a leak would add hundreds of MiB over 1,750 steps.
  assert.ok(growthMiB < 8, `resident memory grew by ${growthMiB.toFixed(1)} MiB from step 500 to step 2000`);
});

test("V8 is told about the native bytes of the tensors no scope owns, and only of those", {
  skip: engineSkip,
}, () => {
  const MiB = 2 ** 20;
  const n = 2 * MiB; // float32: 8 MiB
  const external = gcExternalBytes;
  const base = external();
  tidy(() => {
    Tensor.zeros([n]);
    // a scope frees it deterministically: telling V8 would only make it collect for nothing
    assert.ok(Math.abs(external() - base) < MiB, `scoped tensor reported: ${(external() - base) / MiB} MiB`);
  });
  const free = Tensor.zeros([n]);
  assert.ok(external() - base >= 8 * MiB - MiB / 2, "an unscoped tensor's bytes are reported");
  free.dispose();
  assert.ok(Math.abs(external() - base) < MiB, "disposing takes them back");
  const kept = tidy(() => keep(Tensor.zeros([n])));
  const returned = tidy(() => tidy(() => Tensor.zeros([n])));
  assert.ok(external() - base >= 16 * MiB - MiB / 2, "kept and returned-to-top-level tensors are reported");
  kept.dispose();
  returned.dispose();
  assert.ok(Math.abs(external() - base) < MiB);
});

test("a tensor whose data is replaced in place (setData) is re-counted at its new size", {
  skip: engineSkip,
}, () => {
  const MiB = 2 ** 20;
  const external = gcExternalBytes;
  const base = external();
  const t = Tensor.zeros([MiB]); // float32: 4 MiB, unscoped, so reported
  assert.ok(external() - base >= 4 * MiB - MiB / 2);
  tidy(() => t.setData(t.toDtype("float64")));
  assert.equal(t.dtype, "float64");
  assert.ok(external() - base >= 8 * MiB - MiB / 2, "the float64 data's 8 MiB are reported");
  tidy(() => t.setData(t.toDtype("float32")));
  assert.ok(Math.abs(external() - base - 4 * MiB) < MiB / 2, "back to 4 MiB");
  t.dispose();
  assert.ok(Math.abs(external() - base) < MiB, "disposing takes them back");
});
