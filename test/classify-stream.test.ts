import assert from "node:assert/strict";
import { test } from "node:test";
import { classifySignal } from "../src/record/classify.js";
import { loadLead } from "../src/record/lead.js";
import {
  classifyStream,
  type StreamedBeat,
  StreamingRecordClassifier,
} from "../src/record/stream-classify.js";
import { StreamingResampler } from "../src/record/stream-resample.js";
import { resample } from "../src/signal/resample.js";
import { featureClassifier } from "./classify-stand-in.js";
import { mitdbSkip, recordPath } from "./helpers/mitdb.js";

function oddChunks(x: Float32Array): Float32Array[] {
  const chunks: Float32Array[] = [];
  for (let i = 0, k = 1; i < x.length; i += k, k = (k * 7 + 3) % 4001) chunks.push(x.subarray(i, i + k));
  return chunks;
}

function assertSameAsBatch(streamed: StreamedBeat[], signal: Float32Array, fs: number, what: string): void {
  const batch = classifySignal(signal, fs, featureClassifier);
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

test("the streaming resampler is bit-for-bit the batch resampler", { skip: mitdbSkip }, () => {
  const { signal } = loadLead(recordPath("100"));
  const x = signal.subarray(0, 100_000);
  const r = new StreamingResampler(360, 125);
  const parts: number[] = [];
  for (const c of oddChunks(x)) parts.push(...r.push(c));
  parts.push(...r.flush());
  assert.deepEqual(parts, Array.from(resample(x, 360, 125)));
});

test("streaming classification of whole records equals the batch result (beats, labels, probabilities)", {
  skip: mitdbSkip,
}, async () => {
  for (const name of ["100", "207", "232"]) {
    const { signal, fs } = loadLead(recordPath(name));
    const out: StreamedBeat[] = [];
    for await (const b of classifyStream(oddChunks(signal), fs, featureClassifier)) out.push(b);
    assertSameAsBatch(out, signal, fs, `record ${name}`);
  }
});

test("a long pause (windows without R-R intervals) still gives the batch result; latency stays bounded", {
  skip: mitdbSkip,
}, () => {
  const { signal, fs } = loadLead(recordPath("100"));
  // Two minutes of 100 with 25 s of flat line in the middle: two windows with at most one beat.
  const x = new Float32Array(signal.subarray(0, 120 * fs));
  x.fill(x[40 * fs]!, 40 * fs, 65 * fs);
  const c = new StreamingRecordClassifier(fs, featureClassifier, { batchSize: 1 });
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
  assertSameAsBatch(out, x, fs, "record 100 with a pause");
  // A beat waits for its 10 s window, 1.5 s more (beats run past the window's end) and for the R
  // peaks before the window's end to settle: ~0.5 s after the next beat, or, when none comes, for the
  // detector's 5 s search-back horizon. Measured here: 11.4-17 s.
  latency.sort((a, b) => a - b);
  const worst = latency[latency.length - 1]!;
  const median = latency[latency.length >> 1]!;
  assert.ok(worst < 17.1, `worst latency ${worst} s`);
  assert.ok(median > 1.5 && median < 12.5, `median latency ${median} s`);
});

test("recordSummary gives the viewer the lead, the reference and the labelled beats", {
  skip: mitdbSkip,
}, async () => {
  const { recordSummary } = await import("../src/record/summary.js");
  const s = recordSummary(recordPath("104"), { classifier: featureClassifier });
  assert.equal(s.lead, "V5", "104 has no MLII; the heartbeat set's fallback lead is used");
  assert.equal(s.signal.length, 650000);
  assert.ok(s.reference!.length > 2200);
  assert.ok(s.predicted!.length > 2200);
  assert.equal(s.predicted![0]!.probs.length, 5);
  assert.ok(s.comparison!.stats.qrs.se.value! > 99);
});
