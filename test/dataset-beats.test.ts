import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import {
  type BeatSet,
  loadBeatsFile,
  loadSplit,
  readBeatsCsv,
  UNLABELLED,
  writeBeatsCsv,
} from "../src/dataset/beats.js";
import { CACHE_ENV, cachePathFor, readBeatsCache, writeBeatsCache } from "../src/dataset/beats-cache.js";
import { RHYTHM_FEATURE_COUNT } from "../src/dataset/rhythm.js";
import { checkRhythmFeatureCount, rhythmInput } from "../src/dataset/rhythm-input.js";
import { BEAT_LENGTH } from "../src/vocabulary.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "dataset-beats-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
// Caches of CSVs that are not in a directory `ecg data build` made go to the cache folder: here, ours.
const cacheFolder = path.join(tmp, "cache-folder");
process.env[CACHE_ENV] = cacheFolder;

function randomSet(count: number, labelled = true): BeatSet {
  const x = new Float32Array(count * BEAT_LENGTH);
  for (let i = 0; i < x.length; i++) x[i] = i % 7 === 0 ? 0 : ((i * 7919) % 1000003) / 1000003;
  const y = Uint8Array.from({ length: count }, (_, i) => (labelled ? i % 5 : UNLABELLED));
  return { x, y, count };
}

/** A row the way Kaggle's CSV writes it (numpy savetxt, %.18e). */
function kaggleRow(values: number[], label: number): string {
  return [...values, label].map((v) => v.toExponential(18).replace(/e([+-])(\d)$/, "e$10$2")).join(",");
}

test("writeBeatsCsv → readBeatsCsv round trip (6 decimals), labels kept, no header", () => {
  const set = randomSet(50);
  const file = path.join(tmp, "rt.csv");
  writeBeatsCsv(file, set);
  const text = readFileSync(file, "utf8");
  assert.equal(text.split("\n").length, 51);
  assert.equal(text.split("\n")[0]!.split(",").length, 188);
  const back = readBeatsCsv(file);
  assert.equal(back.count, 50);
  assert.deepEqual(back.y, set.y);
  for (let i = 0; i < set.x.length; i++) assert.ok(Math.abs(back.x[i]! - set.x[i]!) <= 5.5e-7, `${i}`);
});

test("Kaggle's own format (e-notation, float labels, CRLF or not) loads through the same reader", () => {
  const v = Array.from({ length: BEAT_LENGTH }, (_, j) => (j < 100 ? 0.9779411554336548 - j / 200 : 0));
  const file = path.join(tmp, "kaggle.csv");
  writeFileSync(file, `${kaggleRow(v, 0)}\r\n${kaggleRow(v, 4)}\n`);
  assert.match(readFileSync(file, "utf8"), /^9\.779411554336547852e-01,/);
  const set = readBeatsCsv(file);
  assert.equal(set.count, 2);
  assert.deepEqual(Array.from(set.y), [0, 4]);
  assert.deepEqual(Array.from(set.x.subarray(0, BEAT_LENGTH)), v.map(Math.fround));
});

test("labels: optional accepts 187 columns (unlabelled), none ignores a label column", () => {
  const file = path.join(tmp, "unlabelled.csv");
  writeBeatsCsv(file, randomSet(3, false));
  assert.equal(readFileSync(file, "utf8").split("\n")[0]!.split(",").length, 187);
  const set = readBeatsCsv(file, { labels: "optional" });
  assert.deepEqual(Array.from(set.y), [UNLABELLED, UNLABELLED, UNLABELLED]);
  assert.throws(() => readBeatsCsv(file), /unlabelled\.csv: line 1: expected 188 columns, found 187/);
  const labelled = path.join(tmp, "labelled.csv");
  writeBeatsCsv(labelled, randomSet(2));
  assert.deepEqual(Array.from(readBeatsCsv(labelled, { labels: "none" }).y), [UNLABELLED, UNLABELLED]);
});

test("bad CSV rows: one-line errors naming the file, the line and the column", () => {
  const good = kaggleRow(new Array(BEAT_LENGTH).fill(0.5), 1);
  const cases: [string, string, RegExp][] = [
    [
      "columns.csv",
      `${good}\n${good.split(",").slice(1).join(",")}\n`,
      /^UserError: .*columns\.csv: line 2: expected 188 columns, found 187$/,
    ],
    [
      "cell.csv",
      `${good}\n${good}\n${good.replace(/^[^,]+/, "0.5").replace(/,[^,]+,/, ",abc,")}\n`,
      /^UserError: .*cell\.csv: line 3: column 2: not a number: 'abc'$/,
    ],
    [
      "empty-cell.csv",
      `${good.replace(/,[^,]+,/, ",,")}\n`,
      /^UserError: .*empty-cell\.csv: line 1: column 2: empty cell$/,
    ],
    [
      "label.csv",
      `${good}\n${good.replace(/[^,]+$/, "7")}\n`,
      /^UserError: .*label\.csv: line 2: label 7 is not one of 0\.\.4 \(N S V F Q\)$/,
    ],
    ["fraction.csv", `${good.replace(/[^,]+$/, "1.5")}\n`, /line 1: label 1\.5 is not one of 0\.\.4/],
    ["nan.csv", `${good.replace(/^[^,]+/, "nan")}\n`, /line 1: column 1: not a number: 'nan'/],
    ["empty.csv", "", /empty\.csv: no beats \(empty file\)/],
  ];
  for (const [name, text, re] of cases) {
    const file = path.join(tmp, name);
    writeFileSync(file, text);
    assert.throws(() => readBeatsCsv(file), re, name);
  }
});

test("binary cache: exact copy, used while fresh, ignored once the CSV changes", () => {
  const dir = path.join(tmp, "ds");
  mkdirSync(dir);
  const csv = path.join(dir, "mitbih_train.csv");
  writeBeatsCsv(csv, randomSet(20));
  const parsed = loadSplit(dir, "train"); // parses, then writes the cache
  const cached = readBeatsCache(csv);
  assert.ok(cached);
  assert.deepEqual(cached.x, parsed.x);
  assert.deepEqual(cached.y, parsed.y);
  // A changed CSV makes the cache stale: the CSV is read again.
  writeBeatsCsv(csv, randomSet(3));
  utimesSync(csv, new Date(), new Date(Date.now() + 5000));
  assert.equal(readBeatsCache(csv), undefined);
  assert.equal(loadSplit(dir, "train").count, 3);
  assert.equal(readBeatsCache(csv)!.count, 3);
  // A corrupt cache is ignored, not trusted.
  writeFileSync(cachePathFor(csv), "ECGBEAT1 junk");
  assert.equal(readBeatsCache(csv), undefined);
  writeBeatsCache(csv, randomSet(3));
  assert.throws(() => loadSplit(dir, "test"), /no mitbih_test\.csv \(make one with `ecg data build`\)/);
});

test("a Kaggle-style directory (only the two CSVs) loads with loadSplit", () => {
  const dir = path.join(tmp, "kaggle-dir");
  mkdirSync(dir);
  const v = new Array(BEAT_LENGTH).fill(0.25);
  writeFileSync(path.join(dir, "mitbih_test.csv"), `${kaggleRow(v, 2)}\n${kaggleRow(v, 3)}\n`);
  const set = loadSplit(dir, "test");
  assert.deepEqual(Array.from(set.y), [2, 3]);
  assert.equal(set.x[0], 0.25);
});

test("a user's CSV keeps nothing beside it: its cache goes to the cache folder, named by its content", () => {
  const dir = path.join(tmp, "user");
  mkdirSync(dir);
  const csv = path.join(dir, "mine.csv");
  writeBeatsCsv(csv, randomSet(4));
  const first = loadBeatsFile(csv);
  assert.deepEqual(readdirSync(dir), ["mine.csv"], "nothing written beside a user's file");
  const cacheFile = cachePathFor(csv);
  assert.equal(path.dirname(cacheFile), cacheFolder);
  assert.match(path.basename(cacheFile), /^[0-9a-f]{64}\.beats$/);
  assert.ok(existsSync(cacheFile));
  assert.deepEqual(loadBeatsFile(csv).x, first.x);
});

test("the cache is valid by content: same size and mtime but other bytes is a miss", () => {
  const dir = path.join(tmp, "content");
  mkdirSync(dir);
  const csv = path.join(dir, "beats.csv");
  writeBeatsCsv(csv, randomSet(5));
  const stamp = new Date(2024, 0, 1);
  utimesSync(csv, stamp, stamp);
  const before = statSync(csv);
  const parsed = loadBeatsFile(csv);
  assert.ok(readBeatsCache(csv));
  // One label changed in place: same size, mtime put back.
  const text = readFileSync(csv, "utf8");
  writeFileSync(csv, text.replace(/,0\n/, ",4\n"));
  utimesSync(csv, stamp, stamp);
  assert.equal(statSync(csv).size, before.size);
  assert.equal(statSync(csv).mtimeMs, before.mtimeMs);
  assert.equal(readBeatsCache(csv), undefined, "a date-and-size cache would have answered here");
  const again = loadBeatsFile(csv);
  assert.equal(again.y[0], 4);
  assert.equal(parsed.y[0], 0);
});

test("rhythmInput: nothing for a morphology-only model, the features when the set has them, one-line refusals", () => {
  const set = randomSet(2);
  assert.equal(rhythmInput(set, 0, "m.safetensors", "d.csv"), undefined);
  assert.throws(
    () => rhythmInput(set, RHYTHM_FEATURE_COUNT, "m.safetensors", "d.csv"),
    /^UserError: d\.csv: no rhythm features beside these beats, and m\.safetensors needs them: build the dataset with `ecg data build`/,
  );
  assert.throws(
    () => checkRhythmFeatureCount(RHYTHM_FEATURE_COUNT + 1, "m.safetensors"),
    new RegExp(
      `m\\.safetensors: the model takes ${RHYTHM_FEATURE_COUNT + 1} rhythm features per beat, this version computes ${RHYTHM_FEATURE_COUNT}`,
    ),
  );
  const rhythm = new Float32Array(2 * RHYTHM_FEATURE_COUNT).fill(1);
  assert.equal(rhythmInput({ ...set, rhythm }, RHYTHM_FEATURE_COUNT, "m.safetensors", "d.csv"), rhythm);
});
