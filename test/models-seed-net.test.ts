import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { manualSeed, noGrad, Tensor } from "../src/engine/index.js";
import {
  loadCheckpoint,
  readCheckpointInfo,
  safeFromTensor,
  saveCheckpoint,
  stateDictLayout,
} from "../src/models/checkpoint.js";
import { loadClassifier } from "../src/models/classifier.js";
import { type PRESETS, presetConfig } from "../src/models/config.js";
import { foldBatchNorms } from "../src/models/fold.js";
import { SeedNet } from "../src/models/seed-net.js";
import { writeSafetensors } from "../src/nn/safetensors.js";
import { engineSkip, maxAbsDiff } from "./helpers/engine.js";

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-models-"));

describe("the seed's network", { skip: engineSkip }, () => {
  test("parameter and state-dict counts of the three presets are the spec's", () => {
    const expected = {
      seed: [56_494_277, 1166],
      "seed-resnext": [54_990_661, undefined],
      compact: [154_245, undefined],
    } as const;
    for (const [name, [params, entries]] of Object.entries(expected)) {
      const net = new SeedNet(presetConfig(name as keyof typeof PRESETS));
      assert.equal(net.parameterCount(), params, name);
      if (entries !== undefined) assert.equal(net.stateDict().size, entries, name);
      if (name === "seed") {
        const sd = net.stateDict();
        for (const n of [
          "stage0.0.weight",
          "stage1_1.0.block.3.weight",
          "stage2_3.1.resize.1.running_var",
          "stage1_.2.bias",
          "layer3_path.3.weight",
          "stage4.2.block.7.bias",
          "fc1.weight",
          "fc2.bias",
        ]) {
          assert.ok(sd.has(n), `missing ${n}`);
        }
        assert.deepEqual(sd.get("stage1_1.0.block.3.weight")!.shape, [128, 4, 3]); // width 128, groups 32
        assert.equal(sd.get("stage4.0.block.1.num_batches_tracked")!.dtype, "int64");
      }
      net.dispose();
    }
  });

  test("compact: logits (B, 5) for (B, 1, 187); fc weights are Xavier-uniform", () => {
    const net = new SeedNet(presetConfig("compact"));
    assert.deepEqual(net.forward(Tensor.rand([3, 1, 187])).shape, [3, 5]);
    const w = net.stateDict().get("fc2.weight")!.toNumbers();
    const xavier = Math.sqrt(6 / (32 + 5));
    assert.ok(
      w.every((v) => Math.abs(v) <= xavier) && Math.max(...w.map(Math.abs)) > 1 / Math.sqrt(32),
      "beyond the default bound",
    );
  });

  test("folding BatchNorm into the convolutions keeps eval outputs (1e-5)", () => {
    manualSeed(3);
    const net = new SeedNet(presetConfig("compact"));
    for (let i = 0; i < 3; i++) net.forward(Tensor.rand([16, 1, 187])); // move the running statistics
    net.eval();
    const x = Tensor.rand([8, 1, 187]);
    const before = noGrad(() => net.forward(x).softmax(1).toFloat32Array());
    assert.ok(foldBatchNorms(net) > 10);
    const after = noGrad(() => net.forward(x).softmax(1).toFloat32Array());
    assert.ok(maxAbsDiff(before, after) < 1e-5, `${maxAbsDiff(before, after)}`);
  });

  test("folding removes the folded BatchNorms: the state dict loses exactly their entries, the rest keep their names", () => {
    const net = new SeedNet(presetConfig("compact")).eval();
    const before = net.stateDict();
    const folded = foldBatchNorms(net);
    const after = net.stateDict();
    assert.equal(after.size, before.size - 5 * folded, "5 entries per BatchNorm1d");
    for (const [k, t] of after) assert.equal(before.get(k), t, `${k} kept its name and tensor`);
    // stage0: conv 0, BatchNorm 1 (folded), LeakyReLU 2, MaxPool 3; the shortcut's two BatchNorms fold
    for (const k of ["stage0.1.weight", "stage1_.1.running_mean", "stage1_.4.num_batches_tracked"])
      assert.ok(before.has(k) && !after.has(k), `${k} is gone`);
    assert.ok(after.has("stage0.0.bias") && after.has("stage1_.2.weight"));
    // a path's BatchNorm follows an AvgPool that follows a concatenation, not a conv: it stays
    assert.ok(after.has("layer1_path.1.running_var"));
    assert.equal(foldBatchNorms(net), 0, "nothing left to fold");
    net.dispose();
  });

  test("checkpoint round trip: metadata (format, config, classes, provenance) and identical outputs", () => {
    const net = new SeedNet(presetConfig("compact")).eval();
    const file = path.join(tmp, "compact.safetensors");
    saveCheckpoint(file, net, { provenance: { data: { split: "kaggle", seed: 42 }, epochs: 3 } });
    const info = readCheckpointInfo(file);
    assert.deepEqual(info.config, presetConfig("compact"));
    assert.deepEqual(info.classes, ["N", "S", "V", "F", "Q"]);
    assert.equal((info.provenance!["data"] as { split: string }).split, "kaggle");
    const x = Tensor.rand([4, 1, 187]);
    const { model } = loadCheckpoint(file);
    model.eval();
    assert.equal(
      maxAbsDiff(
        noGrad(() => net.forward(x).toFloat32Array()),
        noGrad(() => model.forward(x).toFloat32Array()),
      ),
      0,
    );
  });

  test("a config's state-dict layout, learnt on the meta device, is the built model's", () => {
    for (const name of ["compact", "seed-resnext"] as const) {
      const net = new SeedNet(presetConfig(name));
      const built = [...net.stateDict()].map(([k, t]) => [k, t.shape, t.dtype]);
      net.dispose();
      const layout = [...stateDictLayout(presetConfig(name))].map(([k, v]) => [k, v.shape, v.dtype]);
      assert.deepEqual(layout, built, name);
    }
  });

  test("a file with no metadata loads as the preset its tensors match", () => {
    const net = new SeedNet(presetConfig("compact"));
    const file = path.join(tmp, "bare.safetensors");
    writeSafetensors(file, new Map([...net.stateDict()].map(([k, t]) => [k, safeFromTensor(t)])));
    assert.deepEqual(loadCheckpoint(file).info.config, presetConfig("compact"));
    const broken = new Map([...net.stateDict()].map(([k, t]) => [k, safeFromTensor(t)]));
    broken.delete("fc2.bias");
    writeSafetensors(file, broken);
    assert.throws(() => loadCheckpoint(file), /match no preset/);
  });

  test("a classifier gives softmax rows that sum to 1", () => {
    const file = path.join(tmp, "compact.safetensors");
    const c = loadClassifier(file);
    const p = c.predictProba(new Float32Array(5 * 187).fill(0.5), 5);
    for (let i = 0; i < 5; i++)
      assert.ok(Math.abs(p.subarray(i * 5, i * 5 + 5).reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.throws(() => c.predictProba(new Float32Array(10), 1), /not 1 beats/);
  });
});
