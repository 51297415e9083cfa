// The check: an EDF file and a CSV file written from an MIT-BIH record give the same beats
// and labels as the record itself (record 100, the default model, through `ecg classify`), and a
// CSV resampled to 250 Hz gives the same beats, moved by the resampling by at most a few ms.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { readLead } from "../src/dataset/read-lead.js";
import { readRecord } from "../src/io/read-record.js";
import type { BeatClassifier } from "../src/models/classifier.js";
import { DEFAULT_MODEL } from "../src/models/model-file.js";
import { readBeatsCsvFile } from "../src/record/beats-file.js";
import { type ClassifiedBeats, classifySignal } from "../src/record/classify.js";
import { loadRecordClassifier } from "../src/record/classify-records.js";
import { resample } from "../src/signal/resample.js";
import { isBeatSymbol, readAnnotations } from "../src/wfdb/annotation.js";
import { readRecord as readWfdb } from "../src/wfdb/record.js";
import { edfBytes } from "./helpers/edf.js";
import { mitdbSkip, recordPath, repoRoot } from "./helpers/mitdb.js";

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-io-formats-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const bin = path.join(repoRoot, "bin", "ecg.js");
function ecg(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
}

const FS = 360;
/** EDF holds whole data records: 1805 of 1 s, the first 649,800 of the record's 650,000 samples. */
const EDF_RECORDS = 1805;
const EDF_SAMPLES = EDF_RECORDS * FS;

let classifier: BeatClassifier | undefined;
before(async () => {
  if (!mitdbSkip) classifier = await loadRecordClassifier(DEFAULT_MODEL);
});
after(() => classifier?.dispose());

/** Writes record 100 as EDF+ (both signals, digital values as they are, beat labels as annotations), once. */
let edf100: string | undefined;
function writeEdf100(): string {
  if (edf100 !== undefined) return edf100;
  const rec = readWfdb(recordPath("100"));
  const beats = readAnnotations(recordPath("100")).filter(
    (a) => isBeatSymbol(a.symbol) && a.sample < EDF_SAMPLES,
  );
  const file = path.join(tmp, "100.edf");
  writeFileSync(
    file,
    edfBytes({
      dataRecords: EDF_RECORDS,
      recordDuration: "1",
      signals: rec.header.signals.map((s, i) => ({
        label: s.description,
        units: "mV",
        // The 16-bit range mapped so that physical = (digital − 0) / gain, as in the WFDB header.
        physicalMin: -32768 / s.gain,
        physicalMax: 32767 / s.gain,
        digitalMin: -32768,
        digitalMax: 32767,
        samplesPerRecord: FS,
        digital: Int16Array.from(rec.digital[i]!.subarray(0, EDF_SAMPLES), (d) => d - s.baseline),
      })),
      annotations: beats.map((a) => ({ onset: Number((a.sample / FS).toFixed(6)), text: a.symbol })),
    }),
  );
  edf100 = file;
  return file;
}

function classified(file: string, ...extra: string[]): ClassifiedBeats {
  const out = path.join(tmp, `${path.basename(file)}-beats.csv`);
  const r = ecg("classify", "--record", file, "--output", out, ...extra);
  assert.equal(r.status, 0, r.stderr);
  const rows = readBeatsCsvFile(out);
  return { sample: rows.sample, label: rows.label!, proba: rows.proba!, count: rows.sample.length };
}

test("EDF+ written from record 100: the same signals, its beat annotations read back", {
  skip: mitdbSkip,
}, () => {
  const file = writeEdf100();
  const edf = readRecord(file);
  assert.equal(edf.format, "edf");
  assert.deepEqual(
    edf.signals.map((s) => [s.name, s.units, s.fs, s.length]),
    [
      ["MLII", "mV", FS, EDF_SAMPLES],
      ["V5", "mV", FS, EDF_SAMPLES],
    ],
  );
  const wfdb = readRecord(recordPath("100"));
  for (const k of [0, 1]) {
    const a = edf.samples(k);
    const b = wfdb.samples(k).subarray(0, EDF_SAMPLES);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    assert.ok(worst < 1e-6, `signal ${k}: EDF and WFDB physical values differ by ${worst} mV`);
  }
  const beats = readAnnotations(recordPath("100")).filter(
    (a) => isBeatSymbol(a.symbol) && a.sample < EDF_SAMPLES,
  );
  assert.equal(edf.annotations.length, beats.length);
  assert.deepEqual(
    edf.annotations.map((a) => [Math.round(a.onset * FS), a.text]),
    beats.map((a) => [a.sample, a.symbol]),
  );
});

test("ecg classify on the EDF file: the beats and labels of the record itself (its first 1805 s)", {
  skip: mitdbSkip,
}, () => {
  const file = writeEdf100();
  const lead = readLead(recordPath("100"));
  const expected = classifySignal(lead.signal.subarray(0, EDF_SAMPLES), FS, classifier!);
  const got = classified(file);
  assert.ok(expected.count > 2200, `${expected.count} beats`);
  assert.deepEqual(Array.from(got.sample), Array.from(expected.sample));
  assert.deepEqual(Array.from(got.label), Array.from(expected.label));
  // And the lead chosen is named: MLII, by the rule.
  const detect = ecg("detect", "--record", file, "--json");
  assert.equal(detect.status, 0, detect.stderr);
  const json = JSON.parse(detect.stdout) as { lead: string; leadChoice: string; count: number };
  assert.equal(json.lead, "MLII");
  assert.equal(json.leadChoice, "MLII");
});

test("ecg classify on a CSV with a time column (rdsamp -c -p -v): the beats and labels of the record", {
  skip: mitdbSkip,
}, () => {
  const rec = readRecord(recordPath("100"));
  const mlii = rec.samples(0);
  const v5 = rec.samples(1);
  const lines = ["'Elapsed time','MLII','V5'", "'seconds','mV','mV'"];
  // Times to the millisecond, as rdsamp prints them: 360 Hz steps are not whole milliseconds.
  for (let i = 0; i < mlii.length; i++)
    lines.push(`${(i / FS).toFixed(3)},${mlii[i]!.toFixed(3)},${v5[i]!.toFixed(3)}`);
  const file = path.join(tmp, "100.csv");
  writeFileSync(file, `${lines.join("\n")}\n`);
  const csv = readRecord(file);
  assert.deepEqual(
    csv.signals.map((s) => [s.name, s.units, s.fs, s.length]),
    [
      ["MLII", "mV", FS, 650000],
      ["V5", "mV", FS, 650000],
    ],
  );
  const expected = classifySignal(readLead(recordPath("100")).signal, FS, classifier!);
  const got = classified(file);
  assert.deepEqual(Array.from(got.sample), Array.from(expected.sample));
  assert.deepEqual(Array.from(got.label), Array.from(expected.label));
});

test("a CSV resampled to 250 Hz in microvolts (--fs 250): the record's beats, within 8 ms, and their labels", {
  skip: mitdbSkip,
}, () => {
  const at250 = resample(readLead(recordPath("100")).signal, FS, 250);
  const file = path.join(tmp, "100-250.csv");
  writeFileSync(file, `ECG II (uV)\n${Array.from(at250, (v) => Math.round(v * 1000)).join("\n")}\n`);
  const expected = classifySignal(readLead(recordPath("100")).signal, FS, classifier!);
  const got = classified(file, "--fs", "250");
  // Each 250 Hz beat, at 360 Hz, matched to the record's beat nearest to it.
  let matched = 0;
  let sameLabel = 0;
  let worstMs = 0;
  let j = 0;
  for (let i = 0; i < got.count; i++) {
    const at = (got.sample[i]! * FS) / 250;
    while (
      j + 1 < expected.count &&
      Math.abs(expected.sample[j + 1]! - at) < Math.abs(expected.sample[j]! - at)
    )
      j++;
    const ms = (Math.abs(expected.sample[j]! - at) / FS) * 1000;
    if (ms <= 8) {
      matched++;
      if (got.label[i] === expected.label[j]) sameLabel++;
    }
    worstMs = Math.max(worstMs, ms);
  }
  assert.equal(got.count, expected.count, "as many beats");
  assert.equal(matched, expected.count, `every beat within 8 ms (worst ${worstMs.toFixed(1)} ms)`);
  assert.ok(sameLabel >= 0.995 * expected.count, `${sameLabel} of ${expected.count} labels the same`);
});
