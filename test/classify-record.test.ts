import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { readLead } from "../src/dataset/read-lead.js";
import { DEFAULT_MODEL } from "../src/models/model-file.js";
import { beatAnnotations } from "../src/record/annotations-out.js";
import { beatsCsv, readBeatsCsvFile, readTestBeats } from "../src/record/beats-file.js";
import { classifySignal } from "../src/record/classify.js";
import { CLASS_NAMES } from "../src/vocabulary.js";
import { readAnnotations, writeAnnotations } from "../src/wfdb/annotation.js";
import { featureClassifier } from "./classify-stand-in.js";
import { mitdbSkip, recordPath, repoRoot } from "./helpers/mitdb.js";

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-classify-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const bin = path.join(repoRoot, "bin", "ecg.js");
function ecg(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
}

test("classified beats written as CSV and as a WFDB annotation file read back as the same beats", {
  skip: mitdbSkip,
}, () => {
  const { signal, fs } = readLead(recordPath("208"));
  const result = classifySignal(signal, fs, featureClassifier);
  assert.ok(result.count > 2900);
  assert.ok(new Set(result.label).size >= 2, "the stand-in gives several classes");

  const csv = path.join(tmp, "208.csv");
  writeFileSync(csv, beatsCsv(result, fs));
  const rows = readBeatsCsvFile(csv);
  assert.deepEqual(Array.from(rows.sample), Array.from(result.sample));
  assert.deepEqual(Array.from(rows.label!), Array.from(result.label));
  for (let i = 0; i < result.proba.length; i++)
    assert.ok(Math.abs(rows.proba![i]! - result.proba[i]!) < 1e-6);
  assert.equal(readFileSync(csv, "utf8").split("\n")[0], "sample,time,label,p_N,p_S,p_V,p_F,p_Q");

  const atr = path.join(tmp, "208out.atr");
  writeAnnotations(atr, beatAnnotations(result.sample, result.label));
  const back = readAnnotations(path.join(tmp, "208out"), "atr");
  assert.deepEqual(
    back.map((a) => a.sample),
    Array.from(result.sample),
  );
  assert.deepEqual(
    back.map((a) => a.symbol),
    Array.from(result.label, (l) => CLASS_NAMES[l]),
  );
  // And through the comparison's test-series reader, classes included.
  const series = readTestBeats(atr);
  assert.deepEqual(Array.from(series.classes!), Array.from(result.label));
});

test("given beat positions are used as they are", { skip: mitdbSkip }, () => {
  const { signal, fs } = readLead(recordPath("100"));
  const ref = readAnnotations(recordPath("100")).filter((a) => "NAV".includes(a.symbol));
  const peaks = ref.map((a) => a.sample);
  const result = classifySignal(signal, fs, featureClassifier, { peaks });
  assert.deepEqual(Array.from(result.sample), peaks);
});

// --- the command line: bad input gives one line naming the record ---

function makeShortRecord(dir: string, seconds: number): string {
  const n = seconds * 360;
  writeFileSync(path.join(dir, "short.hea"), `short 1 360 ${n}\nshort.dat 16 200 16 0 0 0 0 MLII\n`);
  writeFileSync(path.join(dir, "short.dat"), Buffer.alloc(2 * n));
  return path.join(dir, "short");
}

test("a missing .dat, a wrong lead and a record too short are one-line errors naming the record", {
  skip: mitdbSkip,
}, () => {
  const dir = mkdtempSync(path.join(tmp, "bad-"));
  copyFileSync(`${recordPath("100")}.hea`, path.join(dir, "100.hea"));
  const noDat = ecg("detect", "--record", path.join(dir, "100"));
  assert.equal(noDat.status, 1);
  assert.equal(noDat.stderr.trim().split("\n").length, 1);
  assert.match(noDat.stderr, /100\.dat.*no such file/);

  const model = path.join(tmp, "absent.safetensors");
  const wrongLead = ecg("classify", "--record", recordPath("100"), "--model", model, "--lead", "V9");
  assert.equal(wrongLead.status, 1);
  assert.equal(wrongLead.stderr.trim().split("\n").length, 1);
  assert.match(wrongLead.stderr, /record 100: no lead 'V9'/);

  const short = makeShortRecord(dir, 5);
  const tooShort = ecg("classify", "--record", short, "--model", model);
  assert.equal(tooShort.status, 1);
  assert.equal(tooShort.stderr.trim().split("\n").length, 1);
  assert.match(tooShort.stderr, /record short: 5\.00 s of signal is too short/);
  const tooShortDetect = ecg("detect", "--record", makeShortRecord(dir, 1));
  assert.equal(tooShortDetect.status, 1);
  assert.match(tooShortDetect.stderr, /record short: .* too short/);

  // No --model: the default model for new patients (issue 9), when it is installed; one line otherwise.
  const noModel = ecg("classify", "--record", recordPath("100"));
  if (existsSync(DEFAULT_MODEL)) {
    assert.equal(noModel.status, 0, noModel.stderr);
    assert.match(noModel.stdout, /^record 100: \d+ beats on MLII \(detected\)/);
    assert.match(
      noModel.stderr,
      /model models\/interpatient\.safetensors loaded in/,
      "the inter-patient model",
    );
  } else {
    assert.equal(noModel.status, 1);
    assert.equal(noModel.stderr.trim().split("\n").length, 1);
    assert.match(
      noModel.stderr,
      /interpatient\.safetensors: the default model for new patients is not installed; give one with --model FILE/,
    );
  }
});

test("ecg detect writes the CSV and ecg compare reads it back", { skip: mitdbSkip }, () => {
  const out = path.join(tmp, "peaks.csv");
  const d = ecg("detect", "--record", recordPath("100"), "--output", out);
  assert.equal(d.status, 0, d.stderr);
  const rows = readBeatsCsvFile(out);
  assert.ok(rows.sample.length > 2200);
  const c = ecg("compare", "--record", recordPath("100"), "--test", out, "--json");
  assert.equal(c.status, 0, c.stderr);
  type Out = {
    protocol: { name: string; startSeconds: number };
    gross: { stats: { qrs: { se: { value: number; den: number } } } };
  };
  const j = JSON.parse(c.stdout) as Out;
  assert.ok(j.gross.stats.qrs.se.value > 99.9);
  // EC57's protocol by default (from 5 min); --whole-record compares every one of 100's 2,273 beats.
  assert.deepEqual([j.protocol.name, j.protocol.startSeconds], ["bxb/EC57", 300]);
  assert.ok(j.gross.stats.qrs.se.den < 2273 - 300);
  const w = ecg("compare", "--record", recordPath("100"), "--test", out, "--whole-record", "--json");
  assert.equal(w.status, 0, w.stderr);
  const jw = JSON.parse(w.stdout) as Out;
  assert.deepEqual([jw.protocol.name, jw.protocol.startSeconds], ["whole record", 0]);
  assert.equal(jw.gross.stats.qrs.se.den, 2273);
  const text = ecg("compare", "--record", recordPath("100"), "--test", out);
  assert.match(text.stdout, /bxb\/EC57: match window 150 ms, from 300 s/);
});

const modelFile = path.join(repoRoot, "models", "compact-kaggle.safetensors");
const modelSkip = mitdbSkip || (existsSync(modelFile) ? false : `no trained model at ${modelFile}`);

test("ecg classify with the compact model: CSV and .atr outputs agree, comparison printed", {
  skip: modelSkip,
}, () => {
  const csv = path.join(tmp, "m100.csv");
  const atr = path.join(tmp, "m100.atr");
  const a = ecg("classify", "--record", recordPath("100"), "--model", modelFile, "--output", csv, "--json");
  assert.equal(a.status, 0, a.stderr);
  const j = JSON.parse(a.stdout) as {
    beats: number;
    comparison: { stats: { qrs: { se: { value: number } }; classes: { N: { se: { value: number } } } } };
  };
  assert.ok(j.comparison.stats.qrs.se.value > 99.5);
  assert.ok(j.comparison.stats.classes.N.se.value > 90, "a trained model labels most normal beats N");
  const b = ecg("classify", "--record", recordPath("100"), "--model", modelFile, "--output", atr);
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stdout, /QRS sensitivity/);
  const fromCsv = readBeatsCsvFile(csv);
  const fromAtr = readTestBeats(atr);
  assert.deepEqual(Array.from(fromAtr.samples), Array.from(fromCsv.sample));
  assert.deepEqual(Array.from(fromAtr.classes!), Array.from(fromCsv.label!));
});

test("ecg classify over several records: one model load, {record} outputs, per-record and gross results", {
  skip: modelSkip,
}, () => {
  const outDir = mkdtempSync(path.join(tmp, "many-"));
  const twoRecords = (output: string, ...more: string[]) =>
    ecg(
      "classify",
      "--record",
      recordPath("100"),
      "--record",
      recordPath("101"),
      "--model",
      modelFile,
      "--output",
      output,
      ...more,
    );
  const noPlaceholder = twoRecords(path.join(outDir, "x.atr"));
  assert.equal(noPlaceholder.status, 2, "several records need {record} in --output");
  assert.match(noPlaceholder.stderr, /\{record\}/);

  const r = twoRecords(path.join(outDir, "made", "{record}.atr"), "--json");
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as {
    records: Array<{ record: string; beats: number; seconds: number; output: string }>;
    gross: { matrix: number[][]; stats: { qrs: { se: { value: number; num: number } } } };
    seconds: { records: number; medianRecord: number; maxRecord: number; modelLoad: number };
  };
  assert.deepEqual(
    j.records.map((x) => x.record),
    ["100", "101"],
  );
  for (const rec of j.records) {
    const back = readTestBeats(path.join(outDir, "made", `${rec.record}.atr`));
    assert.equal(back.samples.length, rec.beats, `${rec.record}.atr holds every classified beat`);
    assert.ok(rec.seconds > 0);
  }
  assert.ok(j.gross.stats.qrs.se.value > 99.5);
  const matched = j.gross.matrix
    .slice(0, 5)
    .reduce((a, row) => a + row.slice(0, 5).reduce((x, y) => x + y, 0), 0);
  assert.equal(matched, j.gross.stats.qrs.se.num, "gross matrix sums the records' matched beats");
  assert.ok(Math.abs(j.seconds.records - j.records[0]!.seconds - j.records[1]!.seconds) < 1e-9);
  assert.ok(j.seconds.maxRecord >= j.seconds.medianRecord);
});

test("a beat CSV is read whatever ends its rows; an empty or non-decimal sample, a bad probability are refused", () => {
  const lines = ["sample,time,label,p_N,p_S,p_V,p_F,p_Q", "10,0.03,N,1,0,0,0,0", "370,1.03,V,0,0,1,0,0"];
  for (const eol of ["\n", "\r\n", "\r"]) {
    const file = path.join(tmp, `eol-${eol.length}-${eol.charCodeAt(0)}.csv`);
    writeFileSync(file, `${lines.join(eol)}${eol}`);
    const rows = readBeatsCsvFile(file);
    assert.deepEqual(Array.from(rows.sample), [10, 370], JSON.stringify(eol));
    assert.deepEqual(Array.from(rows.label!), [0, 2]);
  }
  const refused = (row: string, re: RegExp): void => {
    const file = path.join(tmp, "bad-row.csv");
    writeFileSync(file, `${lines[0]}\n${lines[1]}\n${row}\n`);
    assert.throws(() => readBeatsCsvFile(file), re, row);
  };
  refused(",1.03,V,0,0,1,0,0", /bad-row\.csv: line 3: sample '' is not a sample index/);
  refused("0x200,1.03,V,0,0,1,0,0", /line 3: sample '0x200' is not a sample index/);
  refused("370,1.03,V,0,0,abc,0,0", /line 3: probability 'abc' is not a number in \[0, 1\]/);
  refused("370,1.03,V,0,0,,0,0", /line 3: probability '' is not a number in \[0, 1\]/);
  refused("370,1.03,V,0,0,1.5,0,0", /line 3: probability '1.5'/);
});
