// The model commands end to end: eval, predict and train through `ecg`, with the shipped model
// where it is present, and their one-line errors.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { loadSplit, writeBeatsCsv } from "../src/dataset/beats.js";
import { CACHE_ENV } from "../src/dataset/beats-cache.js";
import { buildDataset } from "../src/dataset/build.js";
import { recordBeats } from "../src/dataset/record-beats.js";
import { engineSkip } from "./helpers/engine.js";
import { mitdbSkip, recordPath, repoRoot } from "./helpers/mitdb.js";

const bin = path.join(repoRoot, "bin", "ecg.js");
const shipped = path.join(repoRoot, "models", "compact-kaggle.safetensors");
const tmp = mkdtempSync(path.join(tmpdir(), "ecg-cli-model-"));
// Beat caches of the CSVs made here go to a folder of the test's own, not the user's ~/.cache.
process.env[CACHE_ENV] = path.join(tmp, "beats-cache");

function ecg(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd: tmp });
}

describe("model commands", { skip: engineSkip }, () => {
  test("a missing or corrupt model file is one line naming it, exit 1", () => {
    const missing = ecg("eval", "--model", "nope.safetensors", "--data", "x.csv");
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /x\.csv|nope\.safetensors/);
    const csv = path.join(tmp, "one.csv");
    writeFileSync(csv, `${Array(187).fill("0.5").join(",")},0\n`);
    const corrupt = path.join(tmp, "corrupt.safetensors");
    writeFileSync(corrupt, Buffer.from([1, 2, 3]));
    const r = ecg("eval", "--model", corrupt, "--data", csv);
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /corrupt\.safetensors/);
  });

  test("usage errors exit 2; a missing dataset exits 1 naming it", () => {
    assert.equal(ecg("train", "--data", tmp, "--preset", "huge").status, 2);
    assert.equal(ecg("train", "--data", tmp, "--epochs", "zero").status, 2);
    const r = ecg("train", "--data", path.join(tmp, "none"), "--preset", "compact");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /none/);
  });

  test("the shipped model: predict writes probabilities, eval scores record 208's beats", {
    skip: mitdbSkip || (existsSync(shipped) ? false : `no shipped model at ${shipped}`),
  }, () => {
    const beats = recordBeats(recordPath("208"));
    const csv = path.join(tmp, "208.csv");
    writeBeatsCsv(csv, beats);
    const out = path.join(tmp, "pred.csv");
    const p = ecg("predict", "--model", shipped, "--input", csv, "--output", out, "--threads", "1");
    assert.equal(p.status, 0, p.stderr);
    const rows = spawnSync("head", ["-3", out], { encoding: "utf8" }).stdout.trim().split("\n");
    assert.equal(rows[0], "index,label,p_N,p_S,p_V,p_F,p_Q");
    const cells = rows[1]!.split(",");
    assert.ok(["N", "S", "V", "F", "Q"].includes(cells[1]!));
    const sum = cells.slice(2).reduce((a, v) => a + Number(v), 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `probabilities sum to ${sum}`);
    const e = ecg("eval", "--model", shipped, "--data", csv, "--json", "--threads", "1");
    assert.equal(e.status, 0, e.stderr);
    const report = JSON.parse(e.stdout) as {
      accuracy: number;
      confusion: number[][];
      perClass: { class: string; support: number }[];
    };
    assert.equal(
      report.confusion.flat().reduce((a, b) => a + b, 0),
      beats.count,
    );
    assert.equal(
      report.perClass.find((c) => c.class === "V")!.support,
      Array.from(beats.y).filter((y) => y === 2).length,
    );
    assert.ok(report.accuracy > 0.9, `accuracy ${report.accuracy}`);
  });

  test("eval --side train --records: the beats of a held-out fold, whole records, of the side named", {
    skip: mitdbSkip,
  }, () => {
    const dir = path.join(tmp, "interpatient");
    buildDataset({ mitdbDir: path.dirname(recordPath("100")), outDir: dir, split: "interpatient", seed: 42 });
    const fold = ["114", "124"];
    const train = loadSplit(dir, "train");
    const expected = train.records!.filter((r) => fold.includes(r)).length;
    const model = path.join(repoRoot, "models", "interpatient.safetensors");
    const args = ["eval", "--model", model, "--data", dir, "--json", "--threads", "1"];
    const e = ecg(...args, "--side", "train", "--records", fold.join(","));
    assert.equal(e.status, 0, e.stderr);
    const report = JSON.parse(e.stdout) as { confusion: number[][] };
    assert.equal(
      report.confusion.flat().reduce((a, b) => a + b, 0),
      expected,
    );
    assert.ok(expected > 1000, `${expected} beats in records 114 and 124`);
    const ds2 = ecg(...args, "--records", "114");
    assert.equal(ds2.status, 1, "114 is DS1: not on the test side");
    assert.match(ds2.stderr, /mitbih_test\.csv: no beats of record 114/);
    const csv = ecg(...args.slice(0, 4), path.join(dir, "mitbih_train.csv"), "--records", "114");
    assert.equal(csv.status, 2);
    assert.match(csv.stderr, /--side and --records take a dataset directory/);
  });
});
