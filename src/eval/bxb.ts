// Beat-by-beat comparison of a test annotation series with a reference, following the rules of
// ANSI/AAMI EC38 and EC57 as WFDB's bxb implements them (Moody GB, bxb.c, PhysioNet WFDB):
// - reference beats are the annotations with a beat code; every other annotation is ignored;
// - a test beat matches a reference beat within the match window (150 ms) when no other beat of
//   the other series is closer; unmatched reference beats are missed (FN), unmatched test beats
//   are extra (FP);
// - test beats inside reference-marked ventricular flutter/fibrillation ('[' ... ']') are not
//   counted (bxb pairs them with a pseudo-label that no statistic uses);
// - the comparison runs from `start` (bxb's -f; by default EC57's 5-minute learning period, see
//   bxb-protocol.ts; 0 for the whole record) to the end of the record.
// The confusion matrix is over the AAMI classes N S V F Q, with a sixth row for test beats with no
// reference beat and a sixth column for reference beats with no test beat.
import { CLASS_NAMES, type ClassName, N_CLASSES } from "../vocabulary.js";
import { LEARNING_PERIOD_SECONDS, MATCH_WINDOW_MS } from "./bxb-protocol.js";

/** Index of the extra row / missed column in the (classes + 1)² matrix. */
export const NONE = N_CLASSES;

export interface BeatSeries {
  /** Beat sample indices, increasing. */
  samples: ArrayLike<number>;
  /** AAMI class (0..4 = N S V F Q) of each beat; absent for detection-only output (counted as Q). */
  classes?: ArrayLike<number>;
}

export interface Interval {
  from: number;
  to: number;
}

export interface BxbOptions {
  fs: number;
  /** Match window (ms), MATCH_WINDOW_MS (150) by default. */
  matchWindowMs?: number;
  /** First sample compared (bxb -f); by default the end of EC57's learning period (5 min). */
  start?: number;
  /** Samples from here on are not compared (bxb -t): the end of a recording cut short. */
  end?: number;
  /** Intervals (reference VF episodes) whose extra test beats are not counted. */
  excluded?: readonly Interval[];
}

export interface BxbComparison {
  /** 6×6 counts: rows reference N S V F Q / none, columns test n s v f q / none. */
  matrix: number[][];
  /** Whether the test series carried classes (otherwise only the QRS statistics mean anything). */
  classified: boolean;
  /** Matched pairs, as indices into the reference and test series. */
  pairs: Array<[number, number]>;
  /** Test beats inside excluded intervals (not counted). */
  excludedTest: number;
}

export function emptyMatrix(): number[][] {
  return Array.from({ length: NONE + 1 }, () => new Array<number>(NONE + 1).fill(0));
}

/** Pairs reference and test beats as bxb does and counts the label pairs. */
export function compareBeats(reference: BeatSeries, test: BeatSeries, options: BxbOptions): BxbComparison {
  const window = Math.round(((options.matchWindowMs ?? MATCH_WINDOW_MS) * options.fs) / 1000);
  const start = options.start ?? Math.round(LEARNING_PERIOD_SECONDS * options.fs);
  const excluded = [...(options.excluded ?? [])].sort((a, b) => a.from - b.from);
  const R = reference.samples;
  const T = test.samples;
  const refClass = (i: number): number => (reference.classes ? reference.classes[i]! : 4);
  const testClass = (j: number): number => (test.classes ? test.classes[j]! : 4);
  const inExcluded = (t: number): boolean => excluded.some((e) => e.from <= t && t <= e.to);
  const matrix = emptyMatrix();
  const pairs: Array<[number, number]> = [];
  let excludedTest = 0;
  let i = 0;
  let j = 0;
  while (i < R.length && R[i]! < start) i++;
  while (j < T.length && T[j]! < start) j++;
  const end = options.end ?? Number.POSITIVE_INFINITY;
  const at = (s: ArrayLike<number>, k: number): number =>
    k < s.length && s[k]! < end ? s[k]! : Number.POSITIVE_INFINITY;
  while (at(R, i) < end || at(T, j) < end) {
    const tr = at(R, i);
    const tt = at(T, j);
    if (tt < tr) {
      // The test beat comes first: it matches the reference beat if close enough and closer to it
      // than the next test beat is.
      if (tr - tt <= window && tr - tt < Math.abs(tr - at(T, j + 1))) {
        matrix[refClass(i)]![testClass(j)]!++;
        pairs.push([i++, j++]);
      } else {
        if (inExcluded(tt)) excludedTest++;
        else matrix[NONE]![testClass(j)]!++;
        j++;
      }
    } else if (tt - tr <= window && tt - tr < Math.abs(tt - at(R, i + 1))) {
      matrix[refClass(i)]![testClass(j)]!++;
      pairs.push([i++, j++]);
    } else {
      matrix[refClass(i)]![NONE]!++;
      i++;
    }
  }
  return { matrix, classified: test.classes !== undefined, pairs, excludedTest };
}

export interface Rate {
  /** Percentage, or null where the denominator is 0 (bxb prints '-'). */
  value: number | null;
  num: number;
  den: number;
}

function rate(num: number, den: number): Rate {
  return { value: den > 0 ? (100 * num) / den : null, num, den };
}

export interface ClassStats {
  tp: number;
  fn: number;
  fp: number;
  tn: number;
  se: Rate;
  ppv: Rate;
  fpr: Rate;
}

export interface BxbStats {
  /** QRS detection: every matched pair is a true positive whatever the labels. */
  qrs: { tp: number; fn: number; fp: number; se: Rate; ppv: Rate };
  /** Per AAMI class, one class against the rest (EC57: VEB and SVEB; the others alike). */
  classes: Record<ClassName, ClassStats>;
}

/** The statistics of one confusion matrix (one record's, or the sum over records for gross figures). */
export function bxbStats(matrix: readonly (readonly number[])[]): BxbStats {
  const m = (r: number, c: number): number => matrix[r]![c]!;
  let tp = 0;
  let fn = 0;
  let fp = 0;
  for (let r = 0; r < NONE; r++) {
    for (let c = 0; c < NONE; c++) tp += m(r, c);
    fn += m(r, NONE);
  }
  for (let c = 0; c < NONE; c++) fp += m(NONE, c);
  const classes = {} as Record<ClassName, ClassStats>;
  CLASS_NAMES.forEach((name, k) => {
    const ctp = m(k, k);
    let cfn = 0;
    let cfp = 0;
    let ctn = 0;
    for (let c = 0; c <= NONE; c++) if (c !== k) cfn += m(k, c);
    for (let r = 0; r <= NONE; r++) if (r !== k) cfp += m(r, k);
    // True negatives as bxb counts them: beats neither labelled nor detected as the class,
    // including extra test beats, excluding missed ones.
    for (let r = 0; r <= NONE; r++) for (let c = 0; c < NONE; c++) if (r !== k && c !== k) ctn += m(r, c);
    classes[name] = {
      tp: ctp,
      fn: cfn,
      fp: cfp,
      tn: ctn,
      se: rate(ctp, ctp + cfn),
      ppv: rate(ctp, ctp + cfp),
      fpr: rate(cfp, cfp + ctn),
    };
  });
  return { qrs: { tp, fn, fp, se: rate(tp, tp + fn), ppv: rate(tp, tp + fp) }, classes };
}

/** Element-wise sum of confusion matrices: the gross statistics come from this. */
export function sumMatrices(matrices: readonly (readonly (readonly number[])[])[]): number[][] {
  const total = emptyMatrix();
  for (const mat of matrices)
    for (let r = 0; r <= NONE; r++) for (let c = 0; c <= NONE; c++) total[r]![c]! += mat[r]![c]!;
  return total;
}

export interface AverageStats {
  qrs: { se: number | null; ppv: number | null };
  classes: Record<ClassName, { se: number | null; ppv: number | null; fpr: number | null }>;
}

/** Record-average statistics: the mean over records of each statistic, where it is defined. */
export function averageStats(perRecord: readonly BxbStats[]): AverageStats {
  const avg = (xs: (number | null)[]): number | null => {
    const ok = xs.filter((x): x is number => x !== null);
    return ok.length > 0 ? ok.reduce((a, b) => a + b, 0) / ok.length : null;
  };
  const classes = {} as AverageStats["classes"];
  for (const name of CLASS_NAMES) {
    classes[name] = {
      se: avg(perRecord.map((s) => s.classes[name].se.value)),
      ppv: avg(perRecord.map((s) => s.classes[name].ppv.value)),
      fpr: avg(perRecord.map((s) => s.classes[name].fpr.value)),
    };
  }
  return {
    qrs: { se: avg(perRecord.map((s) => s.qrs.se.value)), ppv: avg(perRecord.map((s) => s.qrs.ppv.value)) },
    classes,
  };
}

/** Gross (summed matrix) and average (mean of per-record statistics) figures over several records. */
export interface Pooled {
  matrix: number[][];
  gross: BxbStats;
  average: AverageStats;
}

export function poolComparisons(
  perRecord: readonly { matrix: readonly (readonly number[])[]; stats: BxbStats }[],
): Pooled {
  const matrix = sumMatrices(perRecord.map((r) => r.matrix));
  return { matrix, gross: bxbStats(matrix), average: averageStats(perRecord.map((r) => r.stats)) };
}
