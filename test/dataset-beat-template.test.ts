// Patient-relative beats against hand-computed values: the template is the per-sample median of a
// record's own beats (ectopic minorities do not move it), each record has its own, and a set that does
// not say which record a beat is from is refused for a model that needs it.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  medianBeat,
  relativeBeats,
  rowTemplates,
  subtractTemplates,
  TEMPLATE_BEATS,
  TEMPLATE_REFRESH,
  TemplateTracker,
} from "../src/dataset/beat-template.js";
import { beatsInput } from "../src/dataset/rhythm-input.js";
import { BEAT_LENGTH } from "../src/vocabulary.js";

/** count beats, beat i filled by f(i, sample). */
function beats(count: number, f: (i: number, j: number) => number): Float32Array {
  const x = new Float32Array(count * BEAT_LENGTH);
  for (let i = 0; i < count; i++) for (let j = 0; j < BEAT_LENGTH; j++) x[i * BEAT_LENGTH + j] = f(i, j);
  return x;
}

test("the template is the per-sample median; two ectopic beats in five do not move it", () => {
  // beats 0, 2, 4 are the patient's normal beat (j/187), beats 1 and 3 an ectopic one (0.9 everywhere)
  const normal = (j: number) => j / BEAT_LENGTH;
  const x = beats(5, (i, j) => (i % 2 === 1 ? 0.9 : normal(j) + 0.01 * i));
  const row = (i: number) => x.subarray(i * BEAT_LENGTH, (i + 1) * BEAT_LENGTH);
  const t = medianBeat([0, 1, 2, 3, 4].map(row));
  for (let j = 0; j < BEAT_LENGTH; j++) {
    // at sample j the values are normal+0, +0.02, +0.04 and 0.9, 0.9: the middle one is normal+0.04
    // while that is below 0.9, else 0.9
    const sorted = [normal(j), normal(j) + 0.02, normal(j) + 0.04, 0.9, 0.9].sort((a, b) => a - b);
    assert.ok(Math.abs(t[j]! - sorted[2]!) < 1e-6, `sample ${j}`);
  }
  assert.ok(Math.abs(t[10]! - (normal(10) + 0.04)) < 1e-6, "a normal beat, not the ectopic 0.9");
  assert.throws(() => medianBeat([]), /template of no beats/);
  // an even count: the mean of the two middle values
  assert.ok(Math.abs(medianBeat([row(0), row(2)])[5]! - (normal(5) + 0.01)) < 1e-6);
  // the non-causal tracker: nothing before flush(), then every beat against the record's median
  const tracker = new TemplateTracker();
  for (let i = 0; i < 5; i++) assert.deepEqual(tracker.push(row(i)), []);
  const all = tracker.flush();
  assert.equal(all.length, 5);
  assert.deepEqual(tracker.template, t);
  assert.ok(Math.abs(all[1]![10]! - (0.9 - t[10]!)) < 1e-6);
  assert.deepEqual(tracker.flush(), [], "flushed once");
});

test("relative beats: each record minus its own template; without records, one template for all", () => {
  // record a: beats 0.2 and 0.4 (template 0.3); record b: beats 0.7, 0.8, 0.9 (template 0.8)
  const values = [0.2, 0.7, 0.4, 0.8, 0.9];
  const groups = ["a", "b", "a", "b", "b"];
  const x = beats(5, (i) => values[i]!);
  const rel = relativeBeats(x, 5, groups);
  const expected = [-0.1, -0.1, 0.1, 0, 0.1];
  for (let i = 0; i < 5; i++) {
    for (const j of [0, 100, BEAT_LENGTH - 1])
      assert.ok(Math.abs(rel[i * BEAT_LENGTH + j]! - expected[i]!) < 1e-6, `beat ${i} sample ${j}`);
  }
  const templates = rowTemplates(x, 5, groups);
  assert.ok(
    Math.abs(templates[1 * BEAT_LENGTH]! - 0.8) < 1e-6 && Math.abs(templates[2 * BEAT_LENGTH]! - 0.3) < 1e-6,
  );
  assert.deepEqual(subtractTemplates(x, templates), rel);
  // one group: the median of all five values, 0.7
  const one = relativeBeats(x, 5);
  assert.ok(Math.abs(one[0]! - (0.2 - 0.7)) < 1e-6);
  assert.throws(() => relativeBeats(x, 4), /not 4 beats/);
  assert.throws(() => rowTemplates(x, 5, ["a"]), /1 groups for 5 beats/);
  assert.throws(() => subtractTemplates(x, new Float32Array(3)), /template values/);
});

test("beatsInput: as cut for a model on cut beats; relative by record; refused without records", () => {
  const x = beats(3, (i) => 0.1 * (i + 1));
  const withRecords = { x, y: new Uint8Array(3), count: 3, records: ["100", "100", "101"] };
  assert.equal(beatsInput(withRecords, false, "m.safetensors", "d.csv"), x);
  const rel = beatsInput(withRecords, true, "m.safetensors", "d.csv");
  assert.ok(Math.abs(rel[0]! - (0.1 - 0.15)) < 1e-6 && rel[2 * BEAT_LENGTH] === 0);
  assert.throws(
    () => beatsInput({ x, y: new Uint8Array(3), count: 3 }, true, "m.safetensors", "d.csv"),
    /d\.csv: no record beside these beats, and m\.safetensors takes each beat minus its record's template/,
  );
  assert.equal(beatsInput({ x, y: new Uint8Array(3), count: 3 }, false, "m.safetensors", "d.csv"), x);
});

test("the causal template: the median of the beats so far, then of the last TEMPLATE_BEATS, refreshed every TEMPLATE_REFRESH", () => {
  const flat = (v: number) => new Float32Array(BEAT_LENGTH).fill(v);
  const t = new TemplateTracker({ causal: true });
  const one = (beat: Float32Array): Float32Array => {
    const got = t.push(beat);
    assert.equal(got.length, 1, "a causal beat is decided when pushed");
    return got[0]!;
  };
  // while forming, every beat: median(0.2) = 0.2, median(0.2, 0.4) = 0.3, median(0.2, 0.4, 0.9) = 0.4
  assert.ok(Math.abs(one(flat(0.2))[0]! - 0) < 1e-6);
  assert.ok(Math.abs(one(flat(0.4))[7]! - 0.1) < 1e-6);
  assert.ok(Math.abs(one(flat(0.9))[100]! - 0.5) < 1e-6);
  assert.deepEqual(t.flush(), [], "nothing waits in the causal tracker");
  assert.deepEqual([TEMPLATE_BEATS, TEMPLATE_REFRESH], [128, 8]);
  // a patient whose beats change from 0.2 to 0.6: after TEMPLATE_BEATS beats of 0.6 the template is 0.6
  const u = new TemplateTracker({ causal: true });
  for (let i = 0; i < 200; i++) u.push(flat(0.2));
  let last = 0;
  for (let i = 0; i < TEMPLATE_BEATS; i++) last = u.push(flat(0.6))[0]![0]!;
  assert.ok(Math.abs(last) < 1e-6, `${last}`);
  // relativeBeats with causal: true is the causal tracker over the beats in order
  const x = beats(20, (i) => (i % 5 === 4 ? 0.9 : 0.3));
  const causal = relativeBeats(x, 20, undefined, { causal: true });
  const tracker = new TemplateTracker({ causal: true });
  for (let i = 0; i < 20; i++)
    assert.deepEqual(
      causal.subarray(i * BEAT_LENGTH, (i + 1) * BEAT_LENGTH),
      tracker.push(x.subarray(i * BEAT_LENGTH, (i + 1) * BEAT_LENGTH))[0],
    );
  assert.ok(Math.abs(causal[19 * BEAT_LENGTH]! - 0.6) < 1e-6, "the ectopic beat stands out");
  assert.throws(() => t.push(new Float32Array(3)), /a beat has 187 samples/);
});
