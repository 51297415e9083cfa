// Streaming classification: the batch pipeline's own objects fed chunk by chunk (the resampler, the
// detector, the beat cutter, the causal rhythm features), and the door users open,
// `ecg classify --follow`, on a record whose signal file grows and on samples piped to stdin.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { readLead } from "../src/dataset/read-lead.js";
import { readBeatsCsvFile } from "../src/record/beats-file.js";
import { type BeatProbabilities, classifySignal } from "../src/record/classify.js";
import { type StreamedBeat, StreamingRecordClassifier } from "../src/record/stream-classify.js";
import { classifySummary, recordSummary } from "../src/record/summary.js";
import { resample, StreamingResampler } from "../src/signal/resample.js";
import { readRecord, signalChecksum } from "../src/wfdb/record.js";
import { featureClassifier, relativeClassifier, rhythmClassifier } from "./classify-stand-in.js";
import { mitdbSkip, recordPath, repoRoot } from "./helpers/mitdb.js";

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-stream-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function oddChunks(x: Float32Array): Float32Array[] {
  const chunks: Float32Array[] = [];
  for (let i = 0, k = 1; i < x.length; i += k, k = (k * 7 + 3) % 4001) chunks.push(x.subarray(i, i + k));
  return chunks;
}

function assertSameAsBatch(
  streamed: StreamedBeat[],
  batch: ReturnType<typeof classifySignal>,
  what: string,
): void {
  const sorted = [...streamed].sort((a, b) => a.sample - b.sample);
  assert.equal(sorted.length, batch.count, `${what}: beat count`);
  assert.deepEqual(
    sorted.map((b) => b.sample),
    Array.from(batch.sample),
    `${what}: samples`,
  );
  assert.deepEqual(
    sorted.map((b) => b.label),
    Array.from(batch.label),
    `${what}: labels`,
  );
  for (let i = 0; i < sorted.length; i++) {
    assert.deepEqual(
      Array.from(sorted[i]!.proba),
      Array.from(batch.proba.subarray(i * 5, i * 5 + 5)),
      `${what}: beat ${i}`,
    );
  }
}

test("the streaming resampler is bit-for-bit the batch resampler, whatever the chunks", {
  skip: mitdbSkip,
}, () => {
  const { signal } = readLead(recordPath("100"));
  const x = signal.subarray(0, 100_000);
  const r = new StreamingResampler(360, 125);
  const parts: number[] = [];
  for (const c of oddChunks(x)) parts.push(...r.push(c));
  parts.push(...r.flush());
  assert.deepEqual(parts, Array.from(resample(x, 360, 125)));
});

/** A record streamed in odd chunks through the streaming classifier, to the end. */
function streamAll(signal: Float32Array, fs: number, model: BeatProbabilities): StreamedBeat[] {
  const c = new StreamingRecordClassifier(fs, model);
  const out: StreamedBeat[] = [];
  for (const chunk of oddChunks(signal)) out.push(...c.push(chunk));
  out.push(...c.flush());
  return out;
}

test("a rhythm model streamed over record 207 gets the causal features: exactly the batch result with causal: true", {
  skip: mitdbSkip,
}, () => {
  const { signal, fs } = readLead(recordPath("207"));
  const out = streamAll(signal, fs, rhythmClassifier);
  const causal = classifySignal(signal, fs, rhythmClassifier, { causal: true });
  assertSameAsBatch(out, causal, "record 207, causal");
  // The record-wide features (batch's default) label some beats otherwise: the features reach the model.
  const whole = classifySignal(signal, fs, rhythmClassifier);
  assert.deepEqual(Array.from(whole.sample), Array.from(causal.sample));
  assert.notDeepEqual(Array.from(whole.proba), Array.from(causal.proba));
});

test("a patient-relative model streamed over record 100 gets the causal template: exactly the batch result with causal: true", {
  skip: mitdbSkip,
}, () => {
  const { signal, fs } = readLead(recordPath("100"));
  const out = streamAll(signal, fs, relativeClassifier);
  const causal = classifySignal(signal, fs, relativeClassifier, { causal: true });
  assertSameAsBatch(out, causal, "record 100, causal template");
  // The record's template (batch's default) and the beats as cut label beats otherwise.
  const whole = classifySignal(signal, fs, relativeClassifier);
  assert.notDeepEqual(Array.from(whole.proba), Array.from(causal.proba));
  const cut = classifySignal(signal, fs, featureClassifier);
  assert.notDeepEqual(Array.from(whole.proba), Array.from(cut.proba));
});

test("a long pause (windows without R-R intervals) still gives the batch result; latency stays bounded", {
  skip: mitdbSkip,
}, () => {
  const { signal, fs } = readLead(recordPath("100"));
  // Two minutes of 100 with 25 s of flat line in the middle: two windows with at most one beat.
  const x = new Float32Array(signal.subarray(0, 120 * fs));
  x.fill(x[40 * fs]!, 40 * fs, 65 * fs);
  for (const model of [featureClassifier, rhythmClassifier]) {
    const c = new StreamingRecordClassifier(fs, model);
    const out: StreamedBeat[] = [];
    const latency: number[] = [];
    let seen = 0;
    const chunks: Float32Array[] = [];
    for (let i = 0; i < x.length; i += fs / 10) chunks.push(x.subarray(i, i + fs / 10));
    for (const chunk of chunks) {
      seen += chunk.length;
      for (const b of c.push(chunk)) {
        out.push(b);
        latency.push((seen - b.sample) / fs);
      }
    }
    out.push(...c.flush());
    const what = `record 100 with a pause, ${model.rhythmFeatures > 0 ? "rhythm" : "morphology"} model`;
    assertSameAsBatch(out, classifySignal(x, fs, model, { causal: true }), what);
    // A beat waits for its 10 s window, 1.5 s more (beats run past the window's end) and for the R
    // peaks before the window's end to settle: ~0.5 s after the next beat, or, when none comes, for the
    // detector's 5 s search-back horizon. Measured here: 11.4-17 s.
    latency.sort((a, b) => a - b);
    const worst = latency[latency.length - 1]!;
    const median = latency[latency.length >> 1]!;
    assert.ok(worst < 17.1, `${what}: worst latency ${worst} s`);
    assert.ok(median > 1.5 && median < 12.5, `${what}: median latency ${median} s`);
  }
});

test("recordSummary + classifySummary give the viewer the lead, the reference and the labelled beats", {
  skip: mitdbSkip,
}, () => {
  const loaded = recordSummary(recordPath("104"));
  assert.equal(loaded.lead, "V5", "104 has no MLII; the heartbeat set's fallback lead is used");
  assert.equal(loaded.predicted, undefined);
  const s = classifySummary(loaded, featureClassifier);
  assert.equal(s.signal.length, 650000);
  assert.ok(s.reference!.length > 2200);
  assert.ok(s.predicted!.length > 2200);
  assert.equal(s.predicted![0]!.probs.length, 5);
  assert.ok(s.comparison!.stats.qrs.se.value! > 99);
  assert.equal(s.comparison!.protocol.startSeconds, 300, "EC57's protocol by default");
});

// --- the door: ecg classify --follow, against ecg classify on the same samples ---

const bin = path.join(repoRoot, "bin", "ecg.js");
const modelFile = path.join(repoRoot, "models", "compact-kaggle.safetensors");
const modelSkip = mitdbSkip || (existsSync(modelFile) ? false : `no trained model at ${modelFile}`);
const env = { ...process.env, ECG_BEATS_CACHE: path.join(tmp, "cache") };

function ecg(args: string[], input?: string) {
  return spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env,
    ...(input !== undefined ? { input } : {}),
  });
}

/** Two beat CSVs hold the same beats: samples and labels exactly, probabilities to their 6 decimals. */
function assertSameBeats(a: string, b: string, what: string): void {
  const x = readBeatsCsvFile(a);
  const y = readBeatsCsvFile(b);
  assert.ok(x.sample.length > 100, `${what}: ${x.sample.length} beats`);
  assert.deepEqual(Array.from(x.sample), Array.from(y.sample), `${what}: samples`);
  assert.deepEqual(Array.from(x.label!), Array.from(y.label!), `${what}: labels`);
  for (let i = 0; i < x.proba!.length; i++)
    assert.ok(Math.abs(x.proba![i]! - y.proba![i]!) <= 2e-6, `${what}: probability ${i}`);
}

test("ecg classify --follow on a record whose .dat grows while it runs gives ecg classify's beats", {
  skip: modelSkip,
}, async () => {
  const dir = mkdtempSync(path.join(tmp, "growing-"));
  for (const ext of ["hea", "atr"]) copyFileSync(`${recordPath("100")}.${ext}`, path.join(dir, `100.${ext}`));
  const dat = readFileSync(`${recordPath("100")}.dat`);
  const growing = path.join(dir, "100.dat");
  const first = 3 * 360 * 30; // format 212, two signals: 3 bytes a frame; the first 30 s
  writeFileSync(growing, dat.subarray(0, first));
  const followCsv = path.join(dir, "follow.csv");
  const child = spawn(
    process.execPath,
    [
      bin,
      "classify",
      "--follow",
      "--record",
      path.join(dir, "100"),
      "--model",
      modelFile,
      "--output",
      followCsv,
    ],
    { env },
  );
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  // Beats come out before the recording is over: the first one is awaited before writing on.
  await new Promise<void>((resolve) => {
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (stdout.split("\n").length > 2) resolve();
    });
  });
  const beforeRest = stdout.trim().split("\n").length - 1;
  // The recorder: the rest of the file in 40 pieces, one every 30 ms.
  const piece = Math.ceil((dat.length - first) / 40);
  for (let at = first; at < dat.length; at += piece) {
    await new Promise((r) => setTimeout(r, 30));
    appendFileSync(growing, dat.subarray(at, Math.min(dat.length, at + piece)));
  }
  assert.equal(await exited, 0, stderr);
  assert.ok(beforeRest >= 1 && beforeRest < 50, `${beforeRest} beats out of the first 30 s`);

  const batchCsv = path.join(dir, "batch.csv");
  const batch = ecg(["classify", "--record", recordPath("100"), "--model", modelFile, "--output", batchCsv]);
  assert.equal(batch.status, 0, batch.stderr);
  assertSameBeats(followCsv, batchCsv, "growing 100");
  assert.equal(
    stdout.trim().split("\n").length - 1,
    readBeatsCsvFile(batchCsv).sample.length,
    "every beat printed",
  );
  assert.match(stderr, /against 100\.atr \(bxb\/EC57: match window 150 ms, from 300 s/);
  assert.match(stderr, /QRS sensitivity/);
});

test("ecg classify --follow --record - --fs 360: text samples on stdin give ecg classify's beats", {
  skip: modelSkip,
}, () => {
  // The first 3 minutes of 100 as a format-16 record of their own, and the same samples as text.
  const n = 180 * 360;
  const digital = readRecord(recordPath("100")).digital[0]!.subarray(0, n);
  const dir = mkdtempSync(path.join(tmp, "stdin-"));
  const dat = Buffer.alloc(2 * n);
  digital.forEach((d, i) => {
    dat.writeInt16LE(d, 2 * i);
  });
  writeFileSync(path.join(dir, "m3.dat"), dat);
  writeFileSync(
    path.join(dir, "m3.hea"),
    `m3 1 360 ${n}\nm3.dat 16 200 11 1024 ${digital[0]} ${signalChecksum(digital)} 0 MLII\n`,
  );
  const text = `${Array.from(readLead(path.join(dir, "m3")).signal, (v) => String(v)).join("\n")}\n`;
  const batchCsv = path.join(dir, "batch.csv");
  const batch = ecg([
    "classify",
    "--record",
    path.join(dir, "m3"),
    "--model",
    modelFile,
    "--output",
    batchCsv,
  ]);
  assert.equal(batch.status, 0, batch.stderr);
  const followCsv = path.join(dir, "follow.csv");
  const follow = ecg(
    ["classify", "--follow", "--record", "-", "--fs", "360", "--model", modelFile, "--output", followCsv],
    text,
  );
  assert.equal(follow.status, 0, follow.stderr);
  assertSameBeats(followCsv, batchCsv, "stdin");
  // stdout: the beats as CSV lines, as they were decided.
  const lines = follow.stdout.trim().split("\n");
  assert.equal(lines[0], "sample,time,label,p_N,p_S,p_V,p_F,p_Q");
  assert.equal(lines.length - 1, readBeatsCsvFile(batchCsv).sample.length);
  const bad = ecg(
    ["classify", "--follow", "--record", "-", "--fs", "360", "--model", modelFile],
    "0.1\n0.2\nabc\n",
  );
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /stdin: line 3: 'abc' is not a sample value/);
  const noFs = ecg(["classify", "--follow", "--record", "-", "--model", modelFile], "");
  assert.equal(noFs.status, 2);
  assert.match(noFs.stderr, /needs --fs/);
});
