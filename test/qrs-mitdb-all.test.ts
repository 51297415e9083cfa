// The acceptance check: QRS detection over all 48 MIT-BIH records, beat by beat (bxb rules,
// 150 ms, whole records, VF episodes excluded), gross Se and +P at least 99.5 % each.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readLead } from "../src/dataset/read-lead.js";
import { bxbStats, compareBeats, sumMatrices } from "../src/eval/bxb.js";
import { referenceBeats } from "../src/eval/bxb-reference.js";
import { detectQrs } from "../src/qrs/detect.js";
import { expandRecords } from "../src/record/records.js";
import { readAnnotations } from "../src/wfdb/annotation.js";
import { mitdbDir, mitdbSkip } from "./helpers/mitdb.js";

test("QRS detection over all 48 MIT-BIH records: gross Se and +P ≥ 99.5 %", { skip: mitdbSkip }, (t) => {
  const records = expandRecords([mitdbDir]);
  assert.equal(records.length, 48);
  const matrices: number[][][] = [];
  const lines: string[] = ["record     TP    FN    FP    Se %    +P %"];
  for (const rec of records) {
    const { name, signal, fs } = readLead(rec);
    const ref = referenceBeats(readAnnotations(rec));
    const { matrix } = compareBeats(
      ref,
      { samples: detectQrs(signal, fs) },
      { fs, start: 0, excluded: ref.vf },
    );
    matrices.push(matrix);
    const q = bxbStats(matrix).qrs;
    lines.push(
      `${name.padEnd(6)} ${String(q.tp).padStart(6)} ${String(q.fn).padStart(5)} ${String(q.fp).padStart(5)} ${q.se.value!.toFixed(2).padStart(7)} ${q.ppv.value!.toFixed(2).padStart(7)}`,
    );
  }
  const g = bxbStats(sumMatrices(matrices)).qrs;
  lines.push(
    `gross  ${String(g.tp).padStart(6)} ${String(g.fn).padStart(5)} ${String(g.fp).padStart(5)} ${g.se.value!.toFixed(2).padStart(7)} ${g.ppv.value!.toFixed(2).padStart(7)}`,
  );
  for (const line of lines) t.diagnostic(line);
  assert.equal(g.tp + g.fn, 109494, "every beat annotation of the 48 records is a reference beat");
  assert.ok(g.se.value! >= 99.5, `gross Se ${g.se.value}`);
  assert.ok(g.ppv.value! >= 99.5, `gross +P ${g.ppv.value}`);
});
