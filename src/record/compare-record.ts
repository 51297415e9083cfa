// A test beat series against a record's reference annotations, beat by beat (see eval/bxb.ts).
import { existsSync } from "node:fs";
import path from "node:path";
import { type BeatSeries, type BxbComparison, type BxbStats, bxbStats, compareBeats } from "../eval/bxb.js";
import { referenceBeats } from "../eval/bxb-reference.js";
import { type AnnotationPolicy, readAnnotations } from "../wfdb/annotation.js";

export interface CompareOptions {
  fs: number;
  /** Reference annotator (file extension), "atr" by default. */
  reference?: string;
  /** Match window in ms (150). */
  matchWindowMs?: number;
  /** Start of the comparison in seconds (0: nothing excluded). */
  startSeconds?: number;
  /** Frames in the record's signal: reference annotations past it are damage. */
  signalLength?: number;
  /** Damaged reference annotations: refused (default) or mended. */
  annotations?: AnnotationPolicy;
}

export interface RecordComparison extends BxbComparison {
  record: string;
  stats: BxbStats;
  /** Reference beats compared (beats inside VF episodes are not reference beats). */
  referenceCount: number;
  /** Reference VF episodes ([ ... ]) as sample intervals. */
  vf: Array<{ from: number; to: number }>;
}

/** Whether the record has a reference annotation file. */
export function hasReference(recordPath: string, reference = "atr"): boolean {
  return existsSync(`${recordPath}.${reference}`);
}

export function compareWithReference(
  recordPath: string,
  test: BeatSeries,
  opts: CompareOptions,
): RecordComparison {
  const ref = referenceBeats(
    readAnnotations(recordPath, opts.reference ?? "atr", {
      ...(opts.annotations ? { policy: opts.annotations } : {}),
      ...(opts.signalLength !== undefined ? { signalLength: opts.signalLength } : {}),
    }),
  );
  const cmp = compareBeats(ref, test, {
    fs: opts.fs,
    matchWindowMs: opts.matchWindowMs ?? 150,
    start: Math.round((opts.startSeconds ?? 0) * opts.fs),
    excluded: ref.vf,
  });
  return {
    ...cmp,
    record: path.basename(recordPath),
    stats: bxbStats(cmp.matrix),
    referenceCount: ref.samples.length,
    vf: ref.vf.map((v) => ({ from: v.from, to: Math.min(v.to, Number.MAX_SAFE_INTEGER) })),
  };
}
