// Ensembles (src/models/ensemble.ts, ensemble-file.ts, `ecg ensemble`): the joined file gives the
// members' mean probabilities, keeps each member's tensors under members.K. with their own names, and
// every wrong join is refused before anything is written.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { RHYTHM_FEATURE_COUNT } from "../src/dataset/rhythm.js";
import { manualSeed, noGrad, Tensor } from "../src/engine/index.js";
import { loadSingleCheckpoint, readCheckpointInfo, saveCheckpoint } from "../src/models/checkpoint.js";
import { loadClassifier } from "../src/models/classifier.js";
import { presetConfig } from "../src/models/config.js";
import { joinEnsemble } from "../src/models/ensemble-file.js";
import { SeedNet } from "../src/models/seed-net.js";
import { CheckpointError } from "../src/nn/errors.js";
import { readSafetensors, writeSafetensors } from "../src/nn/safetensors.js";
import { BEAT_LENGTH } from "../src/vocabulary.js";
import { engineSkip, maxAbsDiff } from "./helpers/engine.js";
import { bin } from "./helpers/hostile.js";

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-ensemble-"));
const R = RHYTHM_FEATURE_COUNT;

/** A compact-rr-rel network from `seed`, its BatchNorm statistics moved off their defaults, saved. */
function member(name: string, seed: number, preset: "compact-rr-rel" | "compact" = "compact-rr-rel"): string {
  manualSeed(seed);
  const net = new SeedNet(presetConfig(preset));
  noGrad(() => {
    for (const [k, t] of net.stateDict()) {
      if (k.endsWith("running_mean")) t.copy_(Tensor.randn(t.shape).mul(0.1));
      if (k.endsWith("running_var")) t.copy_(Tensor.rand(t.shape).add(0.5));
    }
  });
  const file = path.join(tmp, `${name}.safetensors`);
  saveCheckpoint(file, net, { provenance: { seed } });
  net.dispose();
  return file;
}

function beatsAndRhythm(n: number): { beats: Float32Array; rhythm: Float32Array } {
  const beats = new Float32Array(n * BEAT_LENGTH);
  for (let i = 0; i < beats.length; i++) beats[i] = 0.5 + 0.4 * Math.sin(i / 9 + (i % 13));
  const rhythm = new Float32Array(n * R);
  for (let i = 0; i < rhythm.length; i++) rhythm[i] = 0.5 + 0.1 * (i % 7);
  return { beats, rhythm };
}

const ecg = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd: tmp });

describe("ensembles of networks trained apart", { skip: engineSkip }, () => {
  test("the joined file gives the mean of its members' probabilities, BatchNorm folded or not", () => {
    const files = [member("a", 1), member("b", 2), member("c", 3)];
    const out = path.join(tmp, "abc.safetensors");
    const joined = joinEnsemble(files, out);
    assert.equal(joined.config.members, 3);
    const n = 16;
    const { beats, rhythm } = beatsAndRhythm(n);
    const mean = new Float32Array(n * 5);
    for (const f of files) {
      const c = loadClassifier(f, { threads: 1 });
      const p = c.predictProba(beats, n, { rhythm });
      c.dispose();
      for (let i = 0; i < p.length; i++) mean[i]! += p[i]! / files.length;
    }
    for (const fold of [true, false]) {
      const e = loadClassifier(out, { threads: 1, fold });
      assert.equal(e.rhythmFeatures, R, "an ensemble takes what its members take");
      assert.equal(e.relative, true);
      const p = e.predictProba(beats, n, { rhythm });
      e.dispose();
      const d = maxAbsDiff(p, mean);
      assert.ok(d < 1e-5, `fold ${fold}: max |Δp| ${d}`);
    }
    const single = loadClassifier(files[0]!, { threads: 1 }).predictProba(beats, n, { rhythm });
    assert.ok(maxAbsDiff(single, mean) > 1e-3, "the members differ (else the test shows nothing)");
  });

  test("each member's tensors are kept under members.K. with their own names; configs and provenance", () => {
    const files = [member("d", 4), member("e", 5)];
    const cwd = process.cwd();
    process.chdir(tmp); // the members are named as given, relative to the current directory
    const out = path.join(tmp, "de.safetensors");
    try {
      joinEnsemble(files, out);
    } finally {
      process.chdir(cwd);
    }
    const joined = readSafetensors(out).tensors;
    for (const [k, f] of files.entries()) {
      for (const [name, t] of readSafetensors(f).tensors) {
        const j = joined.get(`members.${k}.${name}`);
        assert.ok(j, `members.${k}.${name} missing`);
        assert.deepEqual(j.shape, t.shape);
        assert.deepEqual(
          Buffer.from(j.data.buffer, j.data.byteOffset, j.data.byteLength),
          Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
          name,
        );
      }
    }
    const info = readCheckpointInfo(out);
    assert.deepEqual(info.config, { ...presetConfig("compact-rr-rel"), members: 2 });
    const ensemble = info.provenance?.["ensemble"] as { file: string; seed: number }[];
    assert.deepEqual(
      ensemble.map((m) => [m.file, m.seed]),
      [
        ["d.safetensors", 4],
        ["e.safetensors", 5],
      ],
    );
    assert.throws(
      () => loadSingleCheckpoint(out),
      (e) => e instanceof CheckpointError && /ensemble of 2/.test(e.message),
    );
  });

  test("refused before writing: other configs, an ensemble as a member, a NaN weight", () => {
    const out = path.join(tmp, "refused.safetensors");
    const a = member("f", 6);
    assert.throws(
      () => joinEnsemble([a, member("g", 7, "compact")], out),
      /g\.safetensors: its config .* is not/,
    );
    assert.throws(
      () => joinEnsemble([path.join(tmp, "abc.safetensors"), a], out),
      /already an ensemble \(3 members\)/,
    );
    const bad = path.join(tmp, "nan.safetensors");
    const { tensors, metadata } = readSafetensors(a);
    const w = tensors.get("fc2.weight")!;
    (w.data as Float32Array)[3] = Number.NaN;
    writeSafetensors(bad, tensors, metadata);
    assert.throws(
      () => joinEnsemble([a, bad], out),
      (e) => e instanceof CheckpointError && /fc2\.weight/.test(e.message),
    );
    assert.equal(existsSync(out), false, "nothing written");
  });

  test("`ecg ensemble`: joins; never writes over a member or an existing file unless told; usage errors", () => {
    const a = member("h", 8);
    const b = member("i", 9);
    const ok = ecg("ensemble", "--out", "hi.safetensors", a, b);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /2 members .* → hi\.safetensors/);
    const before = statSync(a).mtimeMs;
    const over = ecg("ensemble", "--out", a, a, b, "--overwrite");
    assert.equal(over.status, 1);
    assert.match(over.stderr, /h\.safetensors: refusing to write over member 1/);
    assert.equal(statSync(a).mtimeMs, before, "the member is untouched");
    const again = ecg("ensemble", "--out", "hi.safetensors", a, b);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /hi\.safetensors: exists; give --overwrite/);
    assert.equal(ecg("ensemble", "--out", "hi.safetensors", a, b, "--overwrite").status, 0);
    const one = ecg("ensemble", "--out", "one.safetensors", a);
    assert.equal(one.status, 2);
    assert.match(one.stderr, /give 2 to 16 member checkpoints, got 1/);
    const missing = ecg("ensemble", "--out", "m.safetensors", a, "nope.safetensors");
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope\.safetensors: no such model file/);
    assert.equal(readFileSync(path.join(tmp, "hi.safetensors")).length > 0, true);
  });
});
