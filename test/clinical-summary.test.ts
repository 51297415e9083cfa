// The clinical summary (src/record/clinical-summary.ts): its definitions on a planted rhythm, then on
// MIT-BIH records whose rhythm the reference annotations state — the runs of V beats of 200, 203 and
// 207 against their "(VT" rhythm marks, the pauses of 232 — from the reference labels and from the
// default model's, and `ecg classify` printing it (text and --json) with the model's one-line warning.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { EC57_PROTOCOL } from "../src/eval/bxb-protocol.js";
import { referenceBeats } from "../src/eval/bxb-reference.js";
import { DEFAULT_MODEL } from "../src/models/model-file.js";
import { type ClinicalSummary, clinicalSummary, type Episode } from "../src/record/clinical-summary.js";
import { elapsed, summaryJson, summaryLines } from "../src/record/clinical-summary-format.js";
import { type Annotation, readAnnotations } from "../src/wfdb/annotation.js";
import { mitdbSkip, recordPath, repoRoot } from "./helpers/mitdb.js";

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-summary-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const SOURCE = {
  lead: { name: "MLII", signal: 0, signals: 2 },
  labels: { by: "reference", annotator: "atr" },
} as const;
const [N, S, V] = [0, 1, 2];

/** Beats every `rr` seconds from t0 to t1 (exclusive), all N, at fs. */
function regular(fs: number, t0: number, t1: number, rr: number): number[] {
  const out: number[] = [];
  for (let t = t0; t < t1 - 1e-9; t += rr) out.push(Math.round(t * fs));
  return out;
}

test("planted rhythm: hours, minute rates, couplets, runs and pauses as defined", () => {
  const fs = 250;
  // 2 h 30 min: 60 bpm for the first hour, 90 bpm after; one minute at 120 bpm in hour 2.
  const samples = [
    ...regular(fs, 0, 3600, 1),
    ...regular(fs, 3600, 4200, 60 / 90),
    ...regular(fs, 4200, 4260, 0.5),
    ...regular(fs, 4260, 9000, 60 / 90),
  ];
  const labels = samples.map(() => N);
  const at = (t: number): number => samples.findIndex((s) => s >= t * fs);
  // Hour 1: a V couplet at 100 s, a run of 4 V at 200 s, a run of 3 S at 300 s; hour 3: a 3.5-s pause.
  labels[at(100)] = V;
  labels[at(100) + 1] = V;
  for (let k = 0; k < 4; k++) labels[at(200) + k] = V;
  for (let k = 0; k < 3; k++) labels[at(300) + k] = S;
  labels[at(400)] = V; // a lone V: neither couplet nor run
  // A 3.5-s gap in the beats after the one at 8000 s: the pause is up to the next beat of the grid.
  const pauseAt = samples[at(8000)]!;
  const kept = samples
    .map((_, i) => i)
    .filter((i) => samples[i]! <= pauseAt || samples[i]! >= pauseAt + 3.5 * fs);
  const withPause = kept.map((i) => samples[i]!);
  const withPauseLabels = kept.map((i) => labels[i]!);
  const s = clinicalSummary(
    { sample: withPause, label: withPauseLabels },
    { ...SOURCE, fs, length: 9000 * fs },
  );
  assert.equal(s.hours.length, 3);
  assert.deepEqual(
    s.hours.map((h) => [h.fromSeconds, h.toSeconds]),
    [
      [0, 3600],
      [3600, 7200],
      [7200, 9000],
    ],
  );
  assert.deepEqual(
    s.hours.map((h) => [h.V, h.S]),
    [
      [7, 3],
      [0, 0],
      [0, 0],
    ],
  );
  assert.equal(s.hours[0]!.heartRate!.mean, 60);
  assert.deepEqual([s.hours[0]!.heartRate!.min, s.hours[0]!.heartRate!.max], [60, 60]);
  // Hour 2: the 120-bpm minute is its max, at 4200 s; its min is 90 (each a little less where the
  // window holds the one longer interval of the change of rate before it).
  const h2 = s.hours[1]!.heartRate!;
  assert.ok(Math.abs(h2.min! - 90) <= 0.5 && Math.abs(h2.max! - 120) <= 0.5, JSON.stringify(h2));
  assert.equal(s.hours[1]!.heartRate!.maxAtSeconds, 4200);
  // Overall: min 60 (hour 1), max 120, and the pause lowers hour 3's minute around 8000 s.
  assert.ok(Math.abs(s.heartRate!.max! - 120) <= 0.5);
  assert.equal(s.heartRate!.min, 60);
  assert.ok(s.hours[2]!.heartRate!.min! < 90, `a pause lowers its minute: ${s.hours[2]!.heartRate!.min}`);
  const brief = (e: Episode) => [Math.round(e.startSeconds), e.beats];
  assert.deepEqual(s.couplets.V.map(brief), [[100, 2]]);
  assert.deepEqual(s.runs.V.map(brief), [[200, 4]]);
  assert.equal(s.runs.V[0]!.rateBpm, 60);
  assert.deepEqual(s.runs.S.map(brief), [[300, 3]]);
  assert.deepEqual(s.couplets.S, []);
  assert.equal(s.pauses.length, 1);
  assert.equal(Math.round(s.pauses[0]!.startSeconds), 8000);
  assert.ok(Math.abs(s.pauses[0]!.seconds - (60 / 90) * Math.ceil(3.5 / (60 / 90))) < 0.01);
  assert.equal(s.counts.V, 7);
  assert.equal(s.artifact, undefined);

  // Artifact marked over the pause: the pause and its interval leave the figures; the summary says so.
  const marked = clinicalSummary(
    { sample: withPause, label: withPauseLabels },
    { ...SOURCE, fs, length: 9000 * fs, artifacts: [{ from: pauseAt + fs, to: pauseAt + 2 * fs }] },
  );
  assert.equal(marked.pauses.length, 0);
  assert.deepEqual(marked.artifact, { segments: 1, seconds: (fs + 1) / fs });
  assert.ok(marked.hours[2]!.heartRate!.min! > s.hours[2]!.heartRate!.min!);

  const text = summaryLines(s).join("\n");
  assert.match(text, /heart rate: min 60 \(00:00:00\) · mean \d+ · max 120 \(01:10:00\) bpm/);
  assert.match(text, /01:00:00–02:00:00 +\d+ +(89|90) \/ \d+ \/ 120 +0 +0/);
  assert.match(text, /V: 7 beats · couplets 1 · runs of ≥ 3 1 \(longest 4 beats at 00:03:20, 60 bpm\)/);
  assert.match(text, /pauses > 2 s: 1 \(longest 4\.00 s\); at 02:13:20/);
  assert.equal(elapsed(86399.9), "23:59:59");
});

test("a recording too short for a minute window: a mean, no min or max; no beats: no rate", () => {
  const s = clinicalSummary(
    { sample: regular(360, 0.5, 20, 0.8), label: new Uint8Array(25) },
    {
      ...SOURCE,
      fs: 360,
      length: 20 * 360,
    },
  );
  assert.equal(s.heartRate!.mean, 75);
  assert.equal(s.heartRate!.min, null);
  assert.match(summaryLines(s).join("\n"), /no 60-s window long enough/);
  const none = clinicalSummary({ sample: [], label: [] }, { ...SOURCE, fs: 360, length: 3600 });
  assert.equal(none.heartRate, null);
  assert.equal(none.hours[0]!.heartRate, null);
});

/** The reference beats of a record, labelled with their AAMI classes, and its annotations. */
function reference(record: string): { summary: ClinicalSummary; annotations: Annotation[] } {
  const annotations = readAnnotations(recordPath(record));
  const ref = referenceBeats(annotations);
  return {
    annotations,
    summary: clinicalSummary(
      { sample: ref.samples, label: ref.classes },
      { ...SOURCE, fs: 360, length: 650000 },
    ),
  };
}

/**
 * The (VT episodes of a record's rhythm annotations whose beats are 3 or more V beats and nothing
 * else: each must be one V run of the summary, starting at its first beat.
 */
function pureVtEpisodes(annotations: Annotation[]): { first: number; beats: number }[] {
  const out: { first: number; beats: number }[] = [];
  let inVt = false;
  let beats: string[] = [];
  let first = -1;
  const close = () => {
    if (inVt && beats.length >= 3 && beats.every((b) => b === "V")) out.push({ first, beats: beats.length });
  };
  for (const a of annotations) {
    if (a.symbol === "+") {
      close();
      inVt = a.aux.replace(/\0/g, "") === "(VT";
      beats = [];
      first = -1;
    } else if (inVt && /^[NLRejAaJSVEF/fQ]$/.test(a.symbol)) {
      if (first < 0) first = a.sample;
      beats.push(a.symbol);
    }
  }
  close();
  return out;
}

for (const record of ["200", "203", "207"]) {
  test(`record ${record}: every pure (VT episode of the reference is a V run of its summary`, {
    skip: mitdbSkip,
  }, () => {
    const { summary, annotations } = reference(record);
    const episodes = pureVtEpisodes(annotations);
    assert.ok(episodes.length >= 2, `${record} has VT episodes: ${episodes.length}`);
    for (const e of episodes) {
      const run = summary.runs.V.find((r) => r.start === e.first);
      assert.ok(run, `${record}: the (VT episode at ${elapsed(e.first / 360)} is a run`);
      assert.equal(run.beats, e.beats);
    }
    // And a run the rhythm marks do not call VT is ventricular rhythm of another name or a VT whose
    // mark sits a beat late; never a run of non-V beats.
    for (const r of summary.runs.V) assert.ok(r.beats >= 3 && (r.rateBpm ?? 0) > 0);
  });
}

test("record 200: six V runs at its (VT marks; the seventh (VT episode holds a fusion beat", {
  skip: mitdbSkip,
}, () => {
  const { summary, annotations } = reference("200");
  const marks = annotations
    .filter((a) => a.symbol === "+" && a.aux.startsWith("(VT"))
    .map((a) => a.sample / 360);
  assert.equal(marks.length, 7);
  assert.equal(summary.runs.V.length, 6);
  for (const r of summary.runs.V) {
    assert.ok(
      marks.some((m) => r.startSeconds >= m && r.startSeconds - m < 1),
      `the run at ${elapsed(r.startSeconds)} follows a (VT mark`,
    );
  }
  const inFusion = annotations
    .filter((a) => a.symbol !== "+" && a.sample / 360 > 1070.6 && a.sample / 360 < 1072.3)
    .map((a) => a.symbol);
  assert.deepEqual(inFusion, ["V", "V", "F"]);
  assert.ok(summary.couplets.V.some((c) => Math.abs(c.startSeconds - 1070.9) < 0.1));
});

test("record 232: the long pauses between its atrial premature beats", { skip: mitdbSkip }, () => {
  const { summary, annotations } = reference("232");
  const ref = referenceBeats(annotations);
  // Every pause is two consecutive reference beats more than 2 s apart, and every such pair is one.
  let expected = 0;
  let longest = 0;
  for (let i = 1; i < ref.samples.length; i++) {
    const rr = (ref.samples[i]! - ref.samples[i - 1]!) / 360;
    if (rr > 2) expected++;
    longest = Math.max(longest, rr);
  }
  assert.equal(summary.pauses.length, expected);
  assert.ok(expected > 100, `232 pauses often: ${expected}`);
  // "Long pauses up to 6 s" (MIT-BIH directory, record 232).
  assert.ok(longest > 5.5 && longest < 6, `longest ${longest}`);
  assert.equal(Math.max(...summary.pauses.map((p) => p.seconds)), longest);
  for (const p of summary.pauses) {
    const i = ref.samples.indexOf(p.start);
    assert.equal(ref.samples[i + 1], p.end);
  }
  // Sinus bradycardia (its rhythm mark, "(SBR"): a mean under 60 bpm.
  assert.match(annotations.find((a) => a.symbol === "+")!.aux, /^\(SBR/);
  assert.ok(summary.heartRate!.mean < 60, `mean ${summary.heartRate!.mean}`);
  assert.equal(summary.runs.V.length, 0);
  assert.ok(summary.runs.S.length > 100, `232's S beats come in runs: ${summary.runs.S.length}`);
});

const modelSkip =
  mitdbSkip || (existsSync(DEFAULT_MODEL) ? false : `the default model is not installed (${DEFAULT_MODEL})`);

test("the default model's summary of 203 and 232 against the reference's", { skip: modelSkip }, async () => {
  const { classifyRecords } = await import("../src/record/classify-records.js");
  const run = await classifyRecords({
    records: [recordPath("203"), recordPath("232")],
    reference: "atr",
    protocol: EC57_PROTOCOL,
    classifier: { threads: 1 },
  });
  // 203 is a DS1 record, which the default model trained on; 232 is DS2's, which it has not seen.
  assert.equal(
    run.modelWarning,
    "warning: models/interpatient.safetensors was trained or chosen on record 203: its scores here are optimistic (a patient it has seen)",
  );
  const [r203, r232] = run.results as [(typeof run.results)[0], (typeof run.results)[0]];
  assert.equal(r203.summary.labels.by, "model");
  assert.deepEqual(r203.summary.lead, { name: "MLII", signal: 0, signals: 2 });
  assert.deepEqual(r203.summary.protocol, EC57_PROTOCOL);
  // 203's 21 runs of V beats (atrial fibrillation with ventricular tachycardia): the model, which
  // finds 97 % of its V beats, finds 20 of them (measured; on 200, whose runs sit in bigeminy, it
  // calls the middle beat of four of its six runs N or S).
  const ref203 = reference("203").summary;
  const found = ref203.runs.V.filter((r) =>
    r203.summary.runs.V.some((m) => Math.abs(m.startSeconds - r.startSeconds) < 1),
  );
  assert.equal(ref203.runs.V.length, 21);
  assert.ok(found.length >= 18, `the model finds ${found.length} of 203's ${ref203.runs.V.length} V runs`);
  // Pauses are where the beats are: the detector finds 232's as the reference has them.
  const ref232 = reference("232").summary;
  assert.ok(
    Math.abs(r232.summary.pauses.length - ref232.pauses.length) <= 3,
    `${r232.summary.pauses.length} pauses against the reference's ${ref232.pauses.length}`,
  );
  const longest = (s: ClinicalSummary) => Math.max(...s.pauses.map((p) => p.seconds));
  assert.ok(Math.abs(longest(r232.summary) - longest(ref232)) < 0.05);
  assert.ok(Math.abs(r232.summary.heartRate!.mean - ref232.heartRate!.mean) < 1);
  const json = summaryJson(r203.summary);
  assert.equal(json.protocol?.name, "bxb/EC57");
});

const bin = path.join(repoRoot, "bin", "ecg.js");
const kaggle = path.join(repoRoot, "models", "compact-kaggle.safetensors");

test("ecg classify prints the summary (text and --json) and says in one line that a kaggle model has seen the patient", {
  skip: mitdbSkip || (existsSync(kaggle) ? false : `no ${kaggle}`),
}, () => {
  const run = (...args: string[]) =>
    spawnSync(
      process.execPath,
      [bin, "classify", "--record", recordPath("232"), "--model", kaggle, "--threads", "1", ...args],
      {
        encoding: "utf8",
      },
    );
  const j = run("--json");
  assert.equal(j.status, 0, j.stderr);
  const out = JSON.parse(j.stdout) as {
    modelWarning: string;
    summary: ReturnType<typeof summaryJson>;
  };
  assert.match(out.modelWarning, /kaggle split, which has beats of every MIT-BIH patient/);
  assert.ok(out.summary.pauses.length > 100);
  assert.equal(out.summary.protocol?.name, "bxb/EC57");
  assert.equal(out.summary.lead.name, "MLII");
  assert.equal(out.summary.hours.length, 1);
  const warnings = j.stderr.split("\n").filter((l) => l.startsWith("warning:"));
  assert.equal(warnings.length, 1, j.stderr);
  const t = run();
  assert.equal(t.status, 0, t.stderr);
  assert.match(
    t.stdout,
    /rhythm summary over the whole recording \(00:30:05, \d+ beats on MLII \(signal 0 of 2\)/,
  );
  assert.match(t.stdout, /pauses > 2 s: \d+ \(longest 5\.\d\d s\)/);
  assert.match(t.stdout, /scoring against the reference: bxb\/EC57/);
  assert.equal(t.stderr.split("\n").filter((l) => /kaggle split/.test(l)).length, 1);
});

test("model exposure: the shipped models' provenance says which MIT-BIH patients each has seen", async () => {
  const { readCheckpointInfo } = await import("../src/models/checkpoint.js");
  const { exposureWarning, modelExposure } = await import("../src/record/model-exposure.js");
  const { DS1 } = await import("../src/dataset/split.js");
  const model = (name: string) => path.join(repoRoot, "models", `${name}.safetensors`);
  const kaggleExposure = modelExposure(readCheckpointInfo(model("compact-kaggle")));
  assert.deepEqual(kaggleExposure, { kind: "every-record" });
  // Warned whatever is scored: its figures mislead on a new patient too.
  assert.match(
    exposureWarning(model("compact-kaggle"), kaggleExposure, []) ?? "",
    /^warning: .*kaggle split/,
  );
  // The ensemble: its members' training and validation records, all DS1.
  const ensemble = modelExposure(readCheckpointInfo(model("interpatient")));
  assert.equal(ensemble.kind, "records");
  if (ensemble.kind === "records") assert.deepEqual([...ensemble.records].sort(), [...DS1].sort());
  // An older inter-patient run names no records: its split's training side, DS1.
  const older = modelExposure(readCheckpointInfo(model("compact-interpatient")));
  assert.ok(older.kind === "records" && older.records.has("101") && !older.records.has("232"));
  assert.equal(exposureWarning(model("interpatient"), ensemble, ["232", "100"]), undefined);
  assert.match(
    exposureWarning(model("interpatient"), ensemble, ["232", "101", "106"]) ?? "",
    /records 101, 106: their/,
  );
  // No provenance (a PyTorch-written checkpoint): a note when records are scored, nothing otherwise.
  const none = modelExposure({ provenance: undefined });
  assert.equal(none.kind, "unknown");
  assert.equal(exposureWarning("x.safetensors", none, []), undefined);
  assert.equal(
    exposureWarning("x.safetensors", none, ["100"]),
    "note: x.safetensors: it carries no training provenance, so whether it has seen the patients scored here is unknown",
  );
  const external = modelExposure({ provenance: { config: { data: { split: "external CSV" } } } });
  assert.match(
    exposureWarning("y.safetensors", external, ["100"]) ?? "",
    /trained on external CSV not split by MIT-BIH record/,
  );
});

test("ecg classify --follow ends with the summary: text samples of record 232 on stdin, --json", {
  skip: mitdbSkip || (existsSync(kaggle) ? false : `no ${kaggle}`),
}, async () => {
  const { readLead } = await import("../src/dataset/read-lead.js");
  // Three minutes of 232 (MLII, mV) as text: its pauses, as the reference beats of those minutes have them.
  const seconds = 180;
  const { signal } = readLead(recordPath("232"));
  const text = `${Array.from(signal.subarray(0, seconds * 360), (v) => v.toFixed(3)).join("\n")}\n`;
  const r = spawnSync(
    process.execPath,
    [
      bin,
      "classify",
      "--follow",
      "--record",
      "-",
      "--fs",
      "360",
      "--model",
      kaggle,
      "--threads",
      "1",
      "--json",
    ],
    { encoding: "utf8", input: text },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { summary: ReturnType<typeof summaryJson>; modelWarning?: string };
  assert.deepEqual(out.summary.lead, { name: "as given" });
  assert.equal(out.summary.labels.by, "model");
  assert.equal(out.summary.durationSeconds, seconds);
  assert.equal(out.summary.protocol, undefined, "nothing was scored");
  const ref = referenceBeats(readAnnotations(recordPath("232")));
  let pauses = 0;
  for (let i = 1; i < ref.samples.length && ref.samples[i]! < seconds * 360; i++)
    if (ref.samples[i]! - ref.samples[i - 1]! > 720) pauses++;
  assert.ok(pauses >= 5, `${pauses} pauses in 232's first three minutes`);
  // The stream's last seconds wait for beats that never come: a pause there may be missing.
  assert.ok(
    Math.abs(out.summary.pauses.length - pauses) <= 1,
    `${out.summary.pauses.length} against ${pauses}`,
  );
  assert.match(out.modelWarning ?? "", /kaggle split/);
});
