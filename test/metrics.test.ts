import assert from "node:assert/strict";
import { test } from "node:test";
import { classificationReport, confusionMatrix, formatReport } from "../src/eval/metrics.js";

// Seven beats, three classes. Rows true, columns predicted:
//        N  S  V
//   N [  1  1  0 ]
//   S [  0  2  0 ]
//   V [  1  0  2 ]
const yTrue = [0, 0, 1, 1, 2, 2, 2];
const yPred = [0, 1, 1, 1, 2, 0, 2];
const expectedMatrix = [
  [1, 1, 0],
  [0, 2, 0],
  [1, 0, 2],
];

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);
}

test("confusionMatrix counts (true, predicted) pairs, rows true", () => {
  assert.deepEqual(confusionMatrix(yTrue, yPred, 3), expectedMatrix);
  assert.deepEqual(confusionMatrix(Int32Array.from(yTrue), Uint8Array.from(yPred), 4)[3], [0, 0, 0, 0]);
});

test("confusionMatrix rejects mismatched lengths and labels outside [0, classes)", () => {
  assert.throws(() => confusionMatrix([0, 1], [0], 2), /2 labels but yPred has 1/);
  assert.throws(() => confusionMatrix([0, 2], [0, 1], 2), /yTrue\[1\] = 2/);
  assert.throws(() => confusionMatrix([0, 1], [0, -1], 2), /yPred\[1\] = -1/);
  assert.throws(() => confusionMatrix([0.5], [0], 2), /yTrue\[0\] = 0.5/);
  assert.throws(() => confusionMatrix([], [], 0), /positive integer/);
});

test("classificationReport matches the hand computation", () => {
  const r = classificationReport(expectedMatrix, ["N", "S", "V"]);
  // N: TP 1, FN 1, FP 1, TN 4.  S: TP 2, FN 0, FP 1, TN 4.  V: TP 2, FN 1, FP 0, TN 4.
  const hand = [
    { class: "N", support: 2, sensitivity: 1 / 2, specificity: 4 / 5, precision: 1 / 2, f1: 2 / 4 },
    { class: "S", support: 2, sensitivity: 1, specificity: 4 / 5, precision: 2 / 3, f1: 4 / 5 },
    { class: "V", support: 3, sensitivity: 2 / 3, specificity: 1, precision: 1, f1: 4 / 5 },
  ];
  close(r.accuracy, 5 / 7, "accuracy");
  close(r.macroF1, (0.5 + 0.8 + 0.8) / 3, "macroF1");
  assert.deepEqual(r.classes, ["N", "S", "V"]);
  assert.deepEqual(r.confusion, expectedMatrix);
  assert.equal(r.perClass.length, 3);
  for (const [i, m] of r.perClass.entries()) {
    const h = hand[i]!;
    assert.equal(m.class, h.class);
    assert.equal(m.support, h.support);
    for (const key of ["sensitivity", "specificity", "precision", "f1"] as const) {
      close(m[key], h[key], `${h.class} ${key}`);
    }
  }
});

test("the report's JSON shape is exactly what test-eval.json holds", () => {
  const r = classificationReport(expectedMatrix, ["N", "S", "V"]);
  const json = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(json).sort(), ["accuracy", "classes", "confusion", "macroF1", "perClass"]);
  assert.deepEqual(Object.keys(r.perClass[0]!).sort(), [
    "class",
    "f1",
    "precision",
    "sensitivity",
    "specificity",
    "support",
  ]);
  // the report holds its own copy: changing the input afterwards does not change it
  const input = expectedMatrix.map((row) => [...row]);
  const copy = classificationReport(input, ["N", "S", "V"]);
  input[0]![0] = 99;
  assert.equal(copy.confusion[0]![0], 1);
});

test("0/0 is defined as 0: a class never present and never predicted", () => {
  // Q has no beats and is never predicted; S has beats but is never predicted.
  const r = classificationReport(
    [
      [5, 0, 0],
      [2, 0, 0],
      [0, 0, 0],
    ],
    ["N", "S", "Q"],
  );
  const [n, s, q] = r.perClass;
  close(n!.precision, 5 / 7, "N precision");
  assert.deepEqual(
    { se: s!.sensitivity, p: s!.precision, f1: s!.f1, sp: s!.specificity },
    { se: 0, p: 0, f1: 0, sp: 1 },
  );
  assert.deepEqual(
    { support: q!.support, se: q!.sensitivity, p: q!.precision, f1: q!.f1, sp: q!.specificity },
    { support: 0, se: 0, p: 0, f1: 0, sp: 1 },
  );
  close(r.macroF1, (10 / 12 + 0 + 0) / 3, "macroF1 counts every class");
  const empty = classificationReport(
    [
      [0, 0],
      [0, 0],
    ],
    ["a", "b"],
  );
  assert.equal(empty.accuracy, 0);
  assert.equal(empty.macroF1, 0);
});

test("classificationReport rejects a matrix that does not fit the names or holds non-counts", () => {
  assert.throws(() => classificationReport(expectedMatrix, ["N", "S"]), /2 class names for a 3×3/);
  assert.throws(() => classificationReport([[1, 2], [3]], ["a", "b"]), /row 1 has 1 columns/);
  assert.throws(
    () =>
      classificationReport(
        [
          [1, -1],
          [0, 1],
        ],
        ["a", "b"],
      ),
    /not a count/,
  );
});

test("formatReport prints headline figures, an aligned per-class table and a labelled confusion matrix", () => {
  const text = formatReport(classificationReport(expectedMatrix, ["N", "S", "V"]));
  const lines = text.split("\n");
  assert.match(text, /accuracy\s+71\.43%\s+\(7 beats\)/);
  assert.match(text, /macro-F1\s+0\.7000/);
  const header = lines.findIndex((l) => l.startsWith("class"));
  assert.ok(header >= 0, "per-class header");
  const table = lines.slice(header, header + 4);
  assert.equal(new Set(table.map((l) => l.length)).size, 1, `table rows aligned:\n${table.join("\n")}`);
  assert.match(table[1]!, /^N\s+2\s+50\.00%\s+80\.00%\s+50\.00%\s+0\.5000$/);
  assert.match(table[3]!, /^V\s+3\s+66\.67%\s+100\.00%\s+100\.00%\s+0\.8000$/);
  const cm = lines.findIndex((l) => l.startsWith("confusion matrix (rows: true"));
  assert.ok(cm >= 0, "confusion matrix title");
  const matrixRows = lines.slice(cm + 1, cm + 5);
  assert.match(matrixRows[0]!, /true \\ pred\s+N\s+S\s+V$/);
  assert.match(matrixRows[3]!, /^V\s+1\s+0\s+2$/);
  assert.equal(new Set(matrixRows.map((l) => l.length)).size, 1, "matrix rows aligned");
});
