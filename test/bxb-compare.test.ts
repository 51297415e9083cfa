import assert from "node:assert/strict";
import { test } from "node:test";
import { averageStats, bxbStats, compareBeats, emptyMatrix, NONE, sumMatrices } from "../src/eval/bxb.js";
import {
  describeProtocol,
  EC57_PROTOCOL,
  protocolJson,
  WHOLE_RECORD_PROTOCOL,
} from "../src/eval/bxb-protocol.js";
import { referenceBeats } from "../src/eval/bxb-reference.js";
import { readAnnotations } from "../src/wfdb/annotation.js";
import { mitdbSkip, recordPath } from "./helpers/mitdb.js";

const FS = 360; // 150 ms = 54 samples

test("a test beat within 150 ms matches; one just outside is an extra and the reference beat is missed", () => {
  const ref = { samples: [1000, 2000], classes: [0, 2] };
  const r1 = compareBeats(ref, { samples: [1054, 2055], classes: [0, 2] }, { fs: FS, start: 0 });
  assert.deepEqual(r1.pairs, [[0, 0]]);
  assert.equal(r1.matrix[0]![0], 1);
  assert.equal(r1.matrix[2]![NONE], 1, "V reference beat missed");
  assert.equal(r1.matrix[NONE]![2], 1, "extra test V beat");
  const s = bxbStats(r1.matrix).qrs;
  assert.deepEqual([s.tp, s.fn, s.fp], [1, 1, 1]);
  assert.equal(s.se.value, 50);
});

test("of two test beats in the window the closer one matches (bxb's 'better match' rule)", () => {
  const r = compareBeats({ samples: [1000] }, { samples: [960, 1010] }, { fs: FS, start: 0 });
  assert.deepEqual(r.pairs, [[0, 1]]);
  const q = bxbStats(r.matrix).qrs;
  assert.deepEqual([q.tp, q.fn, q.fp], [1, 0, 1]);
  // And the symmetric case: one test beat between two reference beats goes to the closer.
  const r2 = compareBeats({ samples: [1000, 1060] }, { samples: [1040] }, { fs: FS, start: 0 });
  assert.deepEqual(r2.pairs, [[1, 0]]);
});

test("extra test beats inside reference VF episodes are not counted; start excludes the beginning", () => {
  const ref = { samples: [100, 5000] };
  const test = { samples: [100, 2000, 2500, 5000] };
  const r = compareBeats(ref, test, { fs: FS, start: 0, excluded: [{ from: 1500, to: 3000 }] });
  assert.equal(r.excludedTest, 2);
  assert.equal(bxbStats(r.matrix).qrs.fp, 0);
  const late = compareBeats({ samples: [100, 5000] }, { samples: [5000] }, { fs: FS, start: 1000 });
  assert.equal(bxbStats(late.matrix).qrs.fn, 0);
});

test("per-class Se, +P and FPR follow EC57's definitions on a hand-made matrix", () => {
  const m = emptyMatrix();
  // rows reference N S V F Q O, columns test n s v f q o
  m[0]![0] = 90;
  m[0]![2] = 5;
  m[0]![NONE] = 1;
  m[1]![1] = 8;
  m[1]![0] = 2;
  m[2]![2] = 40;
  m[2]![0] = 10;
  m[NONE]![2] = 3;
  m[NONE]![0] = 1;
  const s = bxbStats(m);
  assert.equal(s.qrs.tp, 155);
  assert.equal(s.qrs.fn, 1);
  assert.equal(s.qrs.fp, 4);
  const v = s.classes.V;
  assert.equal(v.tp, 40);
  assert.equal(v.fn, 10);
  assert.equal(v.fp, 8); // 5 N→v and 3 extra v
  // TN: every pair neither referenced nor labelled V, extra test beats included, missed excluded
  assert.equal(v.tn, 90 + 8 + 2 + 1);
  assert.equal(v.se.value, 80);
  assert.ok(Math.abs(v.ppv.value! - (100 * 40) / 48) < 1e-12);
  assert.ok(Math.abs(v.fpr.value! - (100 * 8) / (8 + 101)) < 1e-12);
  assert.equal(s.classes.F.se.value, null, "no F reference beats: undefined, printed '-'");
  const gross = sumMatrices([m, m]);
  assert.equal(bxbStats(gross).qrs.tp, 310);
  const avg = averageStats([s, bxbStats(emptyMatrix())]);
  assert.equal(avg.classes.V.se, 80, "records where a statistic is undefined do not enter its average");
});

test("reference beats of MIT-BIH 100 and the VF episodes of 207", { skip: mitdbSkip }, () => {
  const r100 = referenceBeats(readAnnotations(recordPath("100")));
  assert.equal(r100.samples.length, 2273);
  assert.equal(r100.classes.filter((c) => c === 1).length, 33); // 33 'A'
  assert.equal(r100.classes.filter((c) => c === 2).length, 1); // 1 'V'
  const r207 = referenceBeats(readAnnotations(recordPath("207")));
  assert.equal(r207.vf.length, 6);
  assert.deepEqual(r207.vf[0], { from: 14665, to: 18350 });
  // A perfect test series (the reference itself) scores 100 %.
  const self = compareBeats(r207, r207, { fs: FS, start: 0, excluded: r207.vf });
  const s = bxbStats(self.matrix);
  assert.equal(s.qrs.se.value, 100);
  assert.equal(s.qrs.ppv.value, 100);
  assert.equal(s.classes.V.se.value, 100);
});

test("by default the comparison starts after EC57's 5-minute learning period; end cuts it short", () => {
  // 360 Hz: 5 min = 108,000 samples. A beat missed at 100 s does not count; one at 400 s does.
  const ref = { samples: [36000, 144000, 180000] };
  const test = { samples: [180000, 200000] };
  const ec57 = bxbStats(compareBeats(ref, test, { fs: FS }).matrix).qrs;
  assert.deepEqual([ec57.tp, ec57.fn, ec57.fp], [1, 1, 1]);
  const whole = bxbStats(compareBeats(ref, test, { fs: FS, start: 0 }).matrix).qrs;
  assert.deepEqual([whole.tp, whole.fn, whole.fp], [1, 2, 1]);
  const cut = bxbStats(compareBeats(ref, test, { fs: FS, start: 0, end: 190000 }).matrix).qrs;
  assert.deepEqual([cut.tp, cut.fn, cut.fp], [1, 2, 0], "the extra beat after the end is not compared");
  assert.equal(
    describeProtocol(EC57_PROTOCOL),
    "bxb/EC57: match window 150 ms, from 300 s (EC57's learning period), VF/flutter episodes not compared",
  );
  assert.equal(describeProtocol(WHOLE_RECORD_PROTOCOL).split(":")[0], "whole record");
  assert.equal(protocolJson({ matchWindowMs: 150, startSeconds: 60 }).name, "custom");
});
