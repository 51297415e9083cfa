// --grad-clip reaches the optimizer step: two runs on the same beats, the same seed, one clipping
// the gradients' total norm, end with different weights, and each run's config.json says which.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { Random } from "../src/dataset/random.js";
import { readSafetensors, toFloat32Array } from "../src/nn/safetensors.js";
import { trainOn } from "../src/train/trainer.js";
import { BEAT_LENGTH } from "../src/vocabulary.js";
import { engineSkip } from "./helpers/engine.js";
import { tinyRunOptions } from "./helpers/train-data.js";

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-grad-clip-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** 256 beats of noise around a class-dependent bump, labels 0..4 in turn: 192 to train, 64 to validate. */
function beats() {
  const random = new Random(7);
  const count = 256;
  const x = new Float32Array(count * BEAT_LENGTH);
  const y = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    y[i] = i % 5;
    for (let k = 0; k < BEAT_LENGTH; k++)
      x[i * BEAT_LENGTH + k] = 0.4 + 0.1 * random.next() + (Math.abs(k - 20 * y[i]!) < 5 ? 0.4 : 0);
  }
  const rows = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);
  return { set: { x, y, count }, train: rows(0, 192), val: rows(192, 256), valSplit: "stratified" as const };
}

async function weightsAfter(run: string, gradClip: number): Promise<Float32Array[]> {
  const out = path.join(tmp, run);
  await trainOn(beats(), tinyRunOptions(path.join(tmp, "data"), out, { epochs: 1, batch: 32, gradClip }));
  const config = JSON.parse(readFileSync(path.join(out, "config.json"), "utf8"));
  assert.equal(config.optimizer.gradClip, gradClip);
  const { tensors } = readSafetensors(path.join(out, "last.safetensors"));
  return [...tensors].filter(([k]) => !k.startsWith("__")).map(([, t]) => toFloat32Array(t));
}

test("a run that clips its gradients ends elsewhere than one that does not", {
  skip: engineSkip,
}, async () => {
  const plain = await weightsAfter("plain", 0);
  const again = await weightsAfter("again", 0);
  const clipped = await weightsAfter("clipped", 1e-3);
  const differ = (a: Float32Array[], b: Float32Array[]) => a.some((t, i) => t.some((v, j) => v !== b[i]![j]));
  assert.ok(!differ(plain, again), "the same run twice: the same weights");
  assert.ok(differ(plain, clipped), "clipping changed the steps");
});
