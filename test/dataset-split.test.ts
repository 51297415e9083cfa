import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../src/dataset/random.js";
import {
  DS1,
  DS2,
  interpatientSide,
  PACED,
  stratifiedSample,
  stratifiedSplit,
} from "../src/dataset/split.js";

test("Random: the same seed gives the same sequence, another seed another", () => {
  const a = new Random(7);
  const b = new Random(7);
  const c = new Random(8);
  const sa = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(
    sa,
    Array.from({ length: 5 }, () => b.next()),
  );
  assert.notDeepEqual(
    sa,
    Array.from({ length: 5 }, () => c.next()),
  );
  for (const v of sa) assert.ok(v >= 0 && v < 1);
});

test("Random: int(n) is uniform over 0..n-1 and shuffle is a permutation", () => {
  const r = new Random(1);
  const counts = new Array(6).fill(0);
  for (let i = 0; i < 60000; i++) counts[r.int(6)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 400, `${counts}`);
  const a = Int32Array.from({ length: 100 }, (_, i) => i);
  r.shuffle(a);
  assert.notDeepEqual(
    Array.from(a),
    Array.from({ length: 100 }, (_, i) => i),
  );
  assert.deepEqual(
    Array.from(a).sort((x, y) => x - y),
    Array.from({ length: 100 }, (_, i) => i),
  );
});

/** Labels in the MIT-BIH class proportions (the Kaggle set's counts), class by class. */
function mitbihLabels(): Uint8Array {
  const sizes = [90589, 2779, 7236, 803, 8039];
  const labels = new Uint8Array(sizes.reduce((a, b) => a + b));
  let at = 0;
  sizes.forEach((n, c) => {
    labels.fill(c, at, at + n);
    at += n;
  });
  return labels;
}

test("stratifiedSplit: ceil(20 %) of every class to test, disjoint, complete, seeded", () => {
  const labels = mitbihLabels();
  const { train, test: te } = stratifiedSplit(labels, 0.2, 42);
  const testCounts = [0, 0, 0, 0, 0];
  for (const i of te) testCounts[labels[i]!]++;
  assert.deepEqual(testCounts, [18118, 556, 1448, 161, 1608]);
  assert.equal(train.length + te.length, labels.length);
  const seen = new Uint8Array(labels.length);
  for (const i of [...train, ...te]) seen[i]!++;
  assert.ok(seen.every((v) => v === 1));
  // Sorted, reproducible, seed-dependent.
  assert.ok(te.every((v, k) => k === 0 || v > te[k - 1]!));
  assert.deepEqual(stratifiedSplit(labels, 0.2, 42).test, te);
  assert.notDeepEqual(stratifiedSplit(labels, 0.2, 43).test, te);
});

test("stratifiedSample: exactly n rows, each class its share (largest remainders), seeded", () => {
  const labels = mitbihLabels();
  const rows = stratifiedSample(labels, 1000, 7);
  assert.equal(rows.length, 1000);
  const counts = [0, 0, 0, 0, 0];
  for (const i of rows) counts[labels[i]!]++;
  // Shares 827.70, 25.39, 66.11, 7.34, 73.45: the floors sum to 998; the two largest remainders (N, Q) get one more.
  assert.deepEqual(counts, [828, 25, 66, 7, 74]);
  assert.ok(
    rows.every((v, k) => k === 0 || v > rows[k - 1]!),
    "ascending, no repeats",
  );
  assert.deepEqual(stratifiedSample(labels, 1000, 7), rows);
  assert.notDeepEqual(stratifiedSample(labels, 1000, 8), rows);
  assert.equal(
    stratifiedSample(labels, labels.length + 5, 7).length,
    labels.length,
    "n past the end: all rows",
  );
});

test("inter-patient sets: 22 + 22 records, paced ones in neither", () => {
  assert.equal(DS1.length, 22);
  assert.equal(DS2.length, 22);
  assert.equal(new Set([...DS1, ...DS2, ...PACED]).size, 48);
  assert.equal(interpatientSide("101"), "train");
  assert.equal(interpatientSide("100"), "test");
  for (const r of PACED) assert.equal(interpatientSide(r), undefined);
});
