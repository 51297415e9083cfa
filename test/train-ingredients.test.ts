// The training ingredients for new patients, on their own: the epoch order (shuffled, class-balanced),
// the augmentation (seeded, bounded, the zero padding kept), and the record-wise validation split.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../src/dataset/random.js";
import {
  LOCAL_BEATS,
  RHYTHM_FEATURE_COUNT,
  RHYTHM_FEATURE_IS_SECONDS,
  RHYTHM_FEATURES,
} from "../src/dataset/rhythm.js";
import { Tensor } from "../src/engine/index.js";
import { patientIds, reverseGradient, SubjectAdversary } from "../src/train/adversary.js";
import {
  augmentBatch,
  batchRandom,
  isAugmenting,
  NO_AUGMENT,
  PREMATURE_RANGE,
} from "../src/train/augment.js";
import {
  chooseValidationRecords,
  MIN_VALIDATION_PATIENTS,
  splitByRecord,
} from "../src/train/record-split.js";
import { balancedOrder, shuffledOrder } from "../src/train/sampler.js";
import { BEAT_LENGTH, classCounts } from "../src/vocabulary.js";
import { engineSkip } from "./helpers/engine.js";

/** 1000 N, 100 S, 30 V, 4 F: a small imbalanced label set, classes interleaved. */
function labels(): Uint8Array {
  const y: number[] = [];
  for (let i = 0; i < 1000; i++) {
    y.push(0);
    if (i % 10 === 0) y.push(1);
    if (i % 33 === 0 && i < 990) y.push(2);
    if (i % 250 === 0) y.push(3);
  }
  return Uint8Array.from(y);
}

test("shuffledOrder: every row once, the same for the same (seed, epoch), another for another epoch", () => {
  const a = shuffledOrder(500, 1, 3);
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    Array.from({ length: 500 }, (_, i) => i),
  );
  assert.deepEqual(a, shuffledOrder(500, 1, 3));
  assert.notDeepEqual(a, shuffledOrder(500, 1, 4));
  // the trainer's order before balancing existed, bit for bit
  const old = Int32Array.from({ length: 500 }, (_, i) => i);
  new Random(1 * 7919 + 3).shuffle(old);
  assert.deepEqual(a, old);
});

test("balancedOrder: classes drawn as count^power, repeats spread evenly and capped, seeded", () => {
  const y = labels();
  const counts = classCounts(y);
  assert.deepEqual(counts, [1000, 100, 30, 4, 0]);
  const order = balancedOrder(y, 9, 1, { power: 0.5, maxRepeat: 20 });
  assert.deepEqual(
    order,
    balancedOrder(y, 9, 1, { power: 0.5, maxRepeat: 20 }),
    "same (seed, epoch), same order",
  );
  assert.notDeepEqual(order, balancedOrder(y, 9, 2, { power: 0.5, maxRepeat: 20 }));
  const drawn = classCounts(Array.from(order, (i) => y[i]!));
  const sqrt = counts.map(Math.sqrt);
  const sum = sqrt.reduce((a, b) => a + b, 0);
  counts.forEach((n, c) => {
    const want = Math.min(Math.round((y.length * sqrt[c]!) / sum), 20 * n);
    assert.equal(drawn[c], want, `class ${c}`);
  });
  assert.equal(drawn[3], 46, "F: 4 beats drawn 46 times");
  const capped = classCounts(Array.from(balancedOrder(y, 9, 1, { power: 0.5, maxRepeat: 5 }), (i) => y[i]!));
  assert.equal(capped[3], 20, "F: 4 beats, at most 5 draws each");
  // each S beat is drawn ⌊k⌋ or ⌈k⌉ times: walked through shuffled passes, not drawn at random
  const perBeat = new Map<number, number>();
  for (const i of order) if (y[i] === 1) perBeat.set(i, (perBeat.get(i) ?? 0) + 1);
  const times = [...perBeat.values()];
  assert.equal(perBeat.size, 100);
  assert.ok(Math.max(...times) - Math.min(...times) <= 1, `${Math.min(...times)}..${Math.max(...times)}`);
  // power 1 draws as the data is: every beat once
  const natural = balancedOrder(y, 9, 1, { power: 1, maxRepeat: 20 });
  assert.deepEqual(
    [...natural].sort((a, b) => a - b),
    Array.from({ length: y.length }, (_, i) => i),
  );
  // power 0: classes alike (up to the cap)
  const flat = classCounts(Array.from(balancedOrder(y, 9, 1, { power: 0, maxRepeat: 1000 }), (i) => y[i]!));
  assert.ok(Math.abs(flat[0]! - flat[1]!) <= 1 && Math.abs(flat[1]! - flat[3]!) <= 1, `${flat}`);
  assert.throws(() => balancedOrder(y, 9, 1, { power: 2, maxRepeat: 20 }), /power/);
});

/** Two beat-like rows (a peak and a wave, zero padding after 120 and 150 samples) and their rhythm rows. */
function batch(): { x: Float32Array; r: Float32Array } {
  const x = new Float32Array(2 * BEAT_LENGTH);
  for (const [b, length] of [
    [0, 120],
    [1, 150],
  ] as const) {
    for (let i = 0; i < length; i++)
      x[b * BEAT_LENGTH + i] = 0.3 + 0.6 * Math.exp(-((i - 5) ** 2) / 8) + 0.1 * Math.sin(i / 15);
  }
  const r = new Float32Array(2 * RHYTHM_FEATURE_COUNT);
  for (let k = 0; k < r.length; k++) r[k] = 0.5 + (k % RHYTHM_FEATURE_COUNT) * 0.1;
  return { x, r };
}

test("augmentBatch: seeded (same draws, same beats), bounded, the padding left zero, only durations rescaled", () => {
  const opts = { stretch: 0.1, amplitude: 0.2, wander: 0.1, noise: 0.02, rate: 0.25, premature: 0 };
  assert.ok(isAugmenting(opts) && !isAugmenting(NO_AUGMENT));
  const a = batch();
  const b = batch();
  augmentBatch(a.x, 2, a.r, batchRandom(1, 2, 3), opts);
  augmentBatch(b.x, 2, b.r, batchRandom(1, 2, 3), opts);
  assert.deepEqual(a.x, b.x);
  assert.deepEqual(a.r, b.r);
  const c = batch();
  augmentBatch(c.x, 2, c.r, batchRandom(1, 2, 4), opts);
  assert.notDeepEqual(a.x, c.x, "another batch, other draws");

  const orig = batch();
  for (const [row, length] of [
    [0, 120],
    [1, 150],
  ] as const) {
    const beat = a.x.subarray(row * BEAT_LENGTH, (row + 1) * BEAT_LENGTH);
    let end = BEAT_LENGTH;
    while (end > 0 && beat[end - 1] === 0) end--;
    assert.ok(
      end >= Math.round(length * 0.9) - 1 && end <= Math.round(length * 1.1),
      `row ${row}: length ${end}`,
    );
    assert.ok(
      beat.subarray(end).every((v) => v === 0),
      "padding stays zero",
    );
    // peak: 0.3 + 0.6 (+0.1·sin) scaled by ≤ 1.2, plus wander ≤ 0.1, plus noise (σ ≤ 0.02, |z| < 6)
    const peak = Math.max(...beat);
    assert.ok(peak > 0.9 * 0.8 - 0.1 - 0.12 && peak < 1.0 * 1.2 + 0.1 + 0.12, `peak ${peak}`);
    const r0 = orig.r.subarray(row * RHYTHM_FEATURE_COUNT, (row + 1) * RHYTHM_FEATURE_COUNT);
    const r1 = a.r.subarray(row * RHYTHM_FEATURE_COUNT, (row + 1) * RHYTHM_FEATURE_COUNT);
    const factors = RHYTHM_FEATURE_IS_SECONDS.map((s, k) => (s ? r1[k]! / r0[k]! : undefined)).filter(
      (f) => f !== undefined,
    );
    assert.ok(
      factors.every((f) => Math.abs(f - factors[0]!) < 1e-6),
      "one heart-rate factor per beat",
    );
    assert.ok(factors[0]! >= 1 / 1.25 - 1e-6 && factors[0]! <= 1.25 + 1e-6, `factor ${factors[0]}`);
    RHYTHM_FEATURE_IS_SECONDS.forEach((s, k) => {
      if (!s) assert.equal(r1[k], r0[k], "ratios unchanged");
    });
  }
  // nothing asked, nothing changed
  const d = batch();
  augmentBatch(d.x, 2, d.r, batchRandom(1, 2, 3), NO_AUGMENT);
  assert.deepEqual(d, batch());
});

test("splitByRecord: whole records on one side; unknown or all records refused", () => {
  const records = ["101", "101", "106", "108", "106", "101"];
  const s = splitByRecord(records, ["106"]);
  assert.deepEqual([...s.val], [2, 4]);
  assert.deepEqual([...s.train], [0, 1, 3, 5]);
  assert.deepEqual(s.valRecords, ["106"]);
  assert.deepEqual(s.trainRecords, ["101", "108"]);
  assert.throws(() => splitByRecord(records, ["999"]), /not in the data: 999/);
  assert.throws(() => splitByRecord(records, ["101", "106", "108"]), /nothing left to train on/);
});

test("chooseValidationRecords: S and V from several patients, about the fraction, no record holding most of a class", () => {
  // 10 records, each 500 N; S: r0 400 (two thirds of S), r1..r5 40 each; V: r6 300 (two thirds of V),
  // r3 r4 r5 r7 r8 30 each; r9 neither
  const records: string[] = [];
  const y: number[] = [];
  const add = (r: string, label: number, n: number) => {
    for (let i = 0; i < n; i++) {
      records.push(r);
      y.push(label);
    }
  };
  for (let k = 0; k < 10; k++) {
    const r = `r${k}`;
    add(r, 0, 500);
    if (k === 0) add(r, 1, 400);
    if (k >= 1 && k <= 5) add(r, 1, 40);
    if (k === 6) add(r, 2, 300);
    if (k >= 3 && k <= 8 && k !== 6) add(r, 2, 30);
  }
  for (const seed of [1, 2, 3, 4, 5]) {
    const chosen = chooseValidationRecords(records, y, { fraction: 0.2, cover: [1, 2], seed });
    assert.deepEqual(chosen, chooseValidationRecords(records, y, { fraction: 0.2, cover: [1, 2], seed }));
    assert.ok(!chosen.includes("r0"), `seed ${seed}: r0 holds 67 % of S and stays in training`);
    assert.ok(!chosen.includes("r6"), `seed ${seed}: r6 holds 67 % of V and stays in training`);
    assert.ok(!chosen.includes("r9"), `seed ${seed}: r9 has neither S nor V`);
    const withS = chosen.filter((r) => ["r1", "r2", "r3", "r4", "r5"].includes(r)).length;
    const withV = chosen.filter((r) => ["r3", "r4", "r5", "r7", "r8"].includes(r)).length;
    assert.ok(withS >= MIN_VALIDATION_PATIENTS, `seed ${seed}: ${chosen}`);
    assert.ok(withV >= MIN_VALIDATION_PATIENTS, `seed ${seed}: ${chosen}`);
    assert.ok(withS * 40 <= 0.3 * 600 && withV * 30 <= 0.3 * 450, `seed ${seed}: at most 1.5 × the fraction`);
  }
});

test("premature synthesis: regular N beats given a premature beat's R-R features become S; nothing else changes", () => {
  const R = RHYTHM_FEATURE_COUNT;
  const F = Object.fromEntries(RHYTHM_FEATURES.map((n, k) => [n, k])) as Record<string, number>;
  // 4 beats: regular N, irregular N (atrial fibrillation), regular V, regular N already early
  const row = (pre: number, post: number, irregularity: number) =>
    [pre, post, 0.8, 0.8, pre / 0.8, post / 0.8, 1, irregularity] as number[];
  const rhythm = Float32Array.from([
    ...row(0.8, 0.8, 0.02),
    ...row(0.8, 0.8, 0.3),
    ...row(0.8, 0.8, 0.02),
    ...row(0.6, 1.0, 0.02),
  ]);
  const labels = Uint8Array.from([0, 0, 2, 0]);
  const x = new Float32Array(4 * BEAT_LENGTH).fill(0.5);
  const opts = { ...NO_AUGMENT, premature: 1 };
  const before = Float32Array.from(rhythm);
  augmentBatch(x, 4, rhythm, batchRandom(1, 1, 1), opts, labels);
  assert.deepEqual([...labels], [1, 0, 2, 0], "only the regular N beat becomes S");
  assert.deepEqual(rhythm.subarray(R), before.subarray(R), "the others' features untouched");
  assert.ok(
    x.every((v) => v === 0.5),
    "the waveform is the N beat's own",
  );
  const r = rhythm.subarray(0, R);
  const f = r[F.preRR]! / 0.8;
  assert.ok(f >= PREMATURE_RANGE[0] && f <= PREMATURE_RANGE[1], `prematurity ${f}`);
  assert.ok(r[F.postRR]! >= 0.8 - 1e-6 && r[F.postRR]! <= (2 - f) * 0.8 + 1e-6, `post ${r[F.postRR]}`);
  assert.ok(Math.abs(r[F.localRR]! - (0.8 + (r[F.preRR]! - 0.8) / LOCAL_BEATS)) < 1e-6);
  assert.equal(r[F.recordRR], before[F.recordRR]);
  assert.equal(r[F.irregularity], before[F.irregularity]);
  for (const k of ["preRR", "postRR", "localRR"])
    assert.ok(Math.abs(r[F[`${k}Norm`]!]! - r[F[k]!]! / 0.8) < 1e-6, `${k}Norm`);
  // probability 0 draws nothing: the same batch as without labels
  const a = batch();
  const b = batch();
  const y = Uint8Array.from([0, 0]);
  augmentBatch(a.x, 2, a.r, batchRandom(3, 1, 1), { ...NO_AUGMENT, noise: 0.02 }, y);
  augmentBatch(b.x, 2, b.r, batchRandom(3, 1, 1), { ...NO_AUGMENT, noise: 0.02 });
  assert.deepEqual(a, b);
  assert.deepEqual([...y], [0, 0]);
});
test("subject adversary: the gradient comes back reversed; patients are numbered over the training rows", {
  skip: engineSkip,
}, () => {
  const x = Tensor.fromArray(Float32Array.of(1, -2, 3), [3]);
  x.requiresGrad = true;
  const y = reverseGradient(x, 0.5);
  assert.deepEqual(Array.from(y.toFloat32Array()), [1, -2, 3], "the value passes unchanged");
  y.mul(Tensor.fromArray(Float32Array.of(1, 2, 3), [3]))
    .sum()
    .backward();
  assert.deepEqual(Array.from(x.grad!.toFloat32Array()), [-0.5, -1, -1.5], "−λ × the gradient");
  const { ids, count } = patientIds(["209", "101", "209", "230", "101"], Int32Array.of(0, 1, 2, 4));
  assert.deepEqual([...ids], [1, 0, 1, 0], "101 → 0, 209 → 1; 230's row is not a training row");
  assert.equal(count, 2);
  const head = new SubjectAdversary(4, 3);
  assert.deepEqual(head.forward(Tensor.rand([5, 4])).shape, [5, 3]);
  head.dispose();
});
