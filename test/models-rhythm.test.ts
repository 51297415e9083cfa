// The rhythm-aware preset (compact-rr): its shapes, the seed's state-dict names kept for the parts the
// seed has, the rhythm features actually reaching the logits, the checkpoint round trip with its knobs,
// and every existing checkpoint still loading as the morphology-only model it is.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { RHYTHM_FEATURE_COUNT } from "../src/dataset/rhythm.js";
import { manualSeed, noGrad, Tensor } from "../src/engine/index.js";
import {
  loadCheckpoint,
  readCheckpointInfo,
  safeFromTensor,
  saveCheckpoint,
} from "../src/models/checkpoint.js";
import { loadClassifier } from "../src/models/classifier.js";
import { normalizeConfig, presetConfig } from "../src/models/config.js";
import { SeedNet } from "../src/models/seed-net.js";
import { writeSafetensors } from "../src/nn/safetensors.js";
import { engineSkip, maxAbsDiff } from "./helpers/engine.js";
import { repoRoot } from "./helpers/mitdb.js";

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-models-rr-"));
const R = RHYTHM_FEATURE_COUNT;

/** Plausible rhythm rows: intervals near 0.8 s, ratios near 1, a small irregularity. */
function rhythmRows(n: number): Tensor {
  const r = new Float32Array(n * R);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < R; k++) r[i * R + k] = k < 4 ? 0.6 + 0.05 * ((i + k) % 7) : 0.7 + 0.1 * ((i * k) % 5);
    r[i * R + R - 1] = 0.02 * (i % 4);
  }
  return Tensor.fromArray(r, [n, R]);
}

describe("the rhythm preset", { skip: engineSkip }, () => {
  test("compact-rr: the compact network plus a rhythm branch; the seed's names for the seed's parts", () => {
    const config = presetConfig("compact-rr");
    assert.equal(config.rhythm, R);
    assert.deepEqual(normalizeConfig(config), config, "the preset validates as it is");
    assert.equal("rhythm" in presetConfig("compact"), false, "compact stays compact");
    const rr = new SeedNet(config);
    const plain = new SeedNet(presetConfig("compact"));
    const a = rr.stateDict();
    const b = plain.stateDict();
    for (const [name, t] of b) {
      assert.ok(a.has(name), `compact-rr lacks ${name}`);
      if (name !== "fc1.weight") assert.deepEqual(a.get(name)!.shape, t.shape, name);
    }
    const width = config.rhythmWidth!;
    assert.deepEqual(
      a.get("fc1.weight")!.shape,
      [32, 32 * config.dim + width],
      "fc1 takes CNN + rhythm features",
    );
    const extra = [...a.keys()].filter((k) => !b.has(k));
    assert.deepEqual(extra, [
      "rhythm.0.weight",
      "rhythm.0.bias",
      "rhythm.0.running_mean",
      "rhythm.0.running_var",
      "rhythm.0.num_batches_tracked",
      "rhythm.1.weight",
      "rhythm.1.bias",
      "rhythm.3.weight",
      "rhythm.3.bias",
    ]);
    assert.equal(
      rr.parameterCount() - plain.parameterCount(),
      2 * R + (R * width + width) + (width * width + width) + 32 * width,
    );
    rr.dispose();
    plain.dispose();
  });

  test("logits (B, 5) from beats and rhythm; the rhythm changes them; refused without it", () => {
    manualSeed(7);
    const net = new SeedNet(presetConfig("compact-rr"));
    const x = Tensor.rand([6, 1, 187]);
    const r = rhythmRows(6);
    net.forward(x, r); // one training-mode pass moves the BatchNorm statistics
    net.eval();
    const y = noGrad(() => net.forward(x, r));
    assert.deepEqual(y.shape, [6, 5]);
    const premature = noGrad(() => net.forward(x, r.mul(0.5)));
    assert.ok(maxAbsDiff(y.toFloat32Array(), premature.toFloat32Array()) > 1e-4, "rhythm reaches the logits");
    assert.throws(() => net.forward(x), /takes 8 rhythm features/);
    net.dispose();
  });

  test("checkpoint round trip keeps the knobs (rhythm, rhythmWidth) and the outputs; the classifier takes rhythm", () => {
    manualSeed(11);
    const net = new SeedNet(presetConfig("compact-rr"));
    const x = Tensor.rand([5, 1, 187]);
    const r = rhythmRows(5);
    net.forward(x, r);
    net.eval();
    const file = path.join(tmp, "compact-rr.safetensors");
    saveCheckpoint(file, net, { provenance: { data: { split: "interpatient" } } });
    const info = readCheckpointInfo(file);
    assert.deepEqual(info.config, presetConfig("compact-rr"));
    assert.equal(info.config.rhythm, R);
    const { model } = loadCheckpoint(file);
    model.eval();
    const expected = noGrad(() => net.forward(x, r).softmax(1).toFloat32Array());
    assert.equal(
      maxAbsDiff(
        expected,
        noGrad(() => model.forward(x, r).softmax(1).toFloat32Array()),
      ),
      0,
    );
    const c = loadClassifier(file, { batchSize: 2 });
    assert.equal(c.rhythmFeatures, R);
    const p = c.predictProba(x.toFloat32Array(), 5, { rhythm: r.toFloat32Array() });
    assert.ok(maxAbsDiff(p, expected) < 1e-5, "the folded classifier gives the model's probabilities");
    assert.throws(() => c.predictProba(x.toFloat32Array(), 5), /takes 8 rhythm features per beat; got none/);
    assert.throws(
      () => c.predictProba(x.toFloat32Array(), 5, { rhythm: new Float32Array(5) }),
      /got 5 values for 5 beats/,
    );
    c.dispose();
    // A file without metadata is recognised by its tensors too.
    const bare = path.join(tmp, "bare-rr.safetensors");
    writeSafetensors(bare, new Map([...net.stateDict()].map(([k, t]) => [k, safeFromTensor(t)])));
    assert.deepEqual(loadCheckpoint(bare).info.config, presetConfig("compact-rr"));
    net.dispose();
  });

  test("compact-rr-rel: compact-rr's network on patient-relative beats; the knob round-trips, the classifier says so", () => {
    const config = presetConfig("compact-rr-rel");
    assert.equal(config.relative, true);
    assert.deepEqual(normalizeConfig(config), config, "the preset validates as it is");
    const { relative: _relative, ...rest } = config;
    assert.deepEqual(rest, presetConfig("compact-rr"), "the same network");
    const net = new SeedNet(config);
    const file = path.join(tmp, "compact-rr-rel.safetensors");
    saveCheckpoint(file, net);
    assert.deepEqual(readCheckpointInfo(file).config, config);
    const c = loadClassifier(file);
    assert.equal(c.relative, true);
    c.dispose();
    const plain = loadClassifier(path.join(tmp, "compact-rr.safetensors"));
    assert.equal(plain.relative, false);
    plain.dispose();
    net.dispose();
  });

  test("config knobs: rhythm must come with its width; absent or 0 is the seed's morphology-only model", () => {
    const base = presetConfig("compact");
    assert.deepEqual(normalizeConfig({ ...base, rhythm: 0 }), base);
    assert.equal(JSON.stringify(normalizeConfig(base)).includes("rhythm"), false);
    assert.throws(() => normalizeConfig({ ...base, rhythm: 8 }), /'rhythmWidth' must be a positive integer/);
    assert.throws(() => normalizeConfig({ ...base, rhythmWidth: 8 }), /without 'rhythm'/);
    assert.throws(() => normalizeConfig({ ...base, rhythm: 2.5, rhythmWidth: 8 }), /'rhythm' must be/);
    assert.deepEqual(normalizeConfig({ ...base, relative: false }), base);
    assert.throws(() => normalizeConfig({ ...base, relative: "yes" }), /'relative' must be true or false/);
  });

  test("every shipped checkpoint still loads, as a morphology-only model", () => {
    const dir = path.join(repoRoot, "models");
    const files = readdirSync(dir).filter((f) => f.endsWith(".safetensors"));
    assert.ok(files.length >= 2);
    for (const f of files) {
      const c = loadClassifier(path.join(dir, f));
      const takes = c.rhythmFeatures;
      const p = c.predictProba(
        new Float32Array(2 * 187).fill(0.3),
        2,
        takes > 0 ? { rhythm: new Float32Array(2 * takes).fill(1) } : {},
      );
      assert.equal(p.length, 10, f);
      if (!f.startsWith("interpatient")) {
        assert.equal(takes, 0, `${f} is a seed-family model`);
        assert.equal(c.relative, false, `${f} takes beats as cut`);
      }
      c.dispose();
    }
  });
});
