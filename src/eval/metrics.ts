// Classification metrics from a confusion matrix: accuracy, macro-F1 and, per class, sensitivity
// (recall), specificity, precision (+P) and F1 — what the seed reports and `ecg eval` prints.
// Convention: every ratio whose denominator is 0 is defined as 0 (e.g. the precision of a class
// that is never predicted), as scikit-learn's zero_division=0 does.

import type { ClassificationReport, ClassMetrics, ConfusionMatrix } from "./results.js";

export type { ClassificationReport, ClassMetrics, ConfusionMatrix } from "./results.js";

/** a / b, with 0/0 (and x/0) defined as 0. */
function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/** Counts (true, predicted) pairs. Labels must be integers in [0, classes). */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  classes: number,
): ConfusionMatrix {
  if (!Number.isInteger(classes) || classes < 1)
    throw new RangeError(`classes must be a positive integer, got ${classes}`);
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`yTrue has ${yTrue.length} labels but yPred has ${yPred.length}`);
  }
  const matrix: ConfusionMatrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    for (const [which, label] of [
      ["yTrue", t],
      ["yPred", p],
    ] as const) {
      if (!Number.isInteger(label) || label < 0 || label >= classes) {
        throw new RangeError(`${which}[${i}] = ${label} is not a class index in [0, ${classes})`);
      }
    }
    matrix[t]![p]!++;
  }
  return matrix;
}

/** Accuracy, macro-F1 and per-class metrics of a confusion matrix (rows true, columns predicted). */
export function classificationReport(
  confusion: ConfusionMatrix,
  classNames: readonly string[],
): ClassificationReport {
  const k = confusion.length;
  if (classNames.length !== k) {
    throw new RangeError(`${classNames.length} class names for a ${k}×${k} confusion matrix`);
  }
  for (const [i, row] of confusion.entries()) {
    if (row.length !== k) throw new RangeError(`confusion row ${i} has ${row.length} columns, expected ${k}`);
    if (!row.every((c) => Number.isInteger(c) && c >= 0)) {
      throw new RangeError(`confusion row ${i} holds a value that is not a count`);
    }
  }
  const total = confusion.reduce((n, row) => n + row.reduce((a, b) => a + b, 0), 0);
  const rowSum = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const colSum = confusion[0]?.map((_, j) => confusion.reduce((n, row) => n + row[j]!, 0)) ?? [];

  let correct = 0;
  const perClass = classNames.map((name, c): ClassMetrics => {
    const tp = confusion[c]![c]!;
    const fn = rowSum[c]! - tp;
    const fp = colSum[c]! - tp;
    const tn = total - tp - fn - fp;
    correct += tp;
    return {
      class: name,
      support: rowSum[c]!,
      sensitivity: ratio(tp, tp + fn),
      specificity: ratio(tn, tn + fp),
      precision: ratio(tp, tp + fp),
      f1: ratio(2 * tp, 2 * tp + fp + fn),
    };
  });
  return {
    accuracy: ratio(correct, total),
    macroF1: ratio(
      perClass.reduce((s, m) => s + m.f1, 0),
      k,
    ),
    classes: [...classNames],
    perClass,
    confusion: confusion.map((row) => [...row]),
  };
}

const percent = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** Right-aligns each column of a table of cells; the first column is left-aligned. */
function alignTable(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows.map((r) =>
    r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join("  "),
  );
}

/** The terminal text of a report: headline figures, the per-class table and the labelled confusion matrix. */
export function formatReport(report: ClassificationReport): string {
  const total = report.perClass.reduce((n, m) => n + m.support, 0);
  const lines: string[] = [];
  lines.push(`accuracy  ${percent(report.accuracy)}  (${total} beats)`);
  lines.push(`macro-F1  ${report.macroF1.toFixed(4)}`);
  lines.push("");
  lines.push(
    ...alignTable([
      ["class", "support", "Se (recall)", "Sp", "+P (precision)", "F1"],
      ...report.perClass.map((m) => [
        m.class,
        String(m.support),
        percent(m.sensitivity),
        percent(m.specificity),
        percent(m.precision),
        m.f1.toFixed(4),
      ]),
    ]),
  );
  lines.push("");
  lines.push("confusion matrix (rows: true class, columns: predicted class)");
  lines.push(
    ...alignTable([
      ["true \\ pred", ...report.classes],
      ...report.confusion.map((row, i) => [report.classes[i]!, ...row.map(String)]),
    ]),
  );
  lines.push("");
  lines.push("a ratio with a zero denominator is shown as 0");
  return lines.join("\n");
}
