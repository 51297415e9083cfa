// A test beat series against a record's reference annotations, beat by beat (see eval/bxb.ts), under
// a scoring protocol (eval/bxb-protocol.ts: EC57's by default).
import { existsSync } from "node:fs";
import { type BeatSeries, type BxbComparison, type BxbStats, bxbStats, compareBeats } from "../eval/bxb.js";
import { EC57_PROTOCOL, type ScoringProtocol, startSample } from "../eval/bxb-protocol.js";
import { referenceBeats } from "../eval/bxb-reference.js";
import { recordName } from "../io/read-record.js";
import { type AnnotationPolicy, readAnnotations } from "../wfdb/annotation.js";

export interface CompareOptions {
  fs: number;
  /** Reference annotator (file extension), "atr" by default. */
  reference?: string;
  /** Match window and start of the comparison: EC57_PROTOCOL by default. */
  protocol?: ScoringProtocol;
  /** Samples from here on are not compared (a recording cut short); the whole record by default. */
  end?: number;
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
  const protocol = opts.protocol ?? EC57_PROTOCOL;
  const ref = referenceBeats(
    readAnnotations(recordPath, opts.reference ?? "atr", {
      ...(opts.annotations ? { policy: opts.annotations } : {}),
      ...(opts.signalLength !== undefined ? { signalLength: opts.signalLength } : {}),
    }),
  );
  const cmp = compareBeats(ref, test, {
    fs: opts.fs,
    matchWindowMs: protocol.matchWindowMs,
    start: startSample(protocol, opts.fs),
    excluded: ref.vf,
    ...(opts.end !== undefined ? { end: opts.end } : {}),
  });
  return {
    ...cmp,
    record: recordName(recordPath),
    stats: bxbStats(cmp.matrix),
    referenceCount: ref.samples.length,
    vf: ref.vf.map((v) => ({ from: v.from, to: Math.min(v.to, Number.MAX_SAFE_INTEGER) })),
  };
}
