// `ecg compare` as a service: the test beats of each record (a file, an annotator, or the built-in
// detector) against its reference annotations under a scoring protocol, and the gross and average
// figures over the records.
import { performance } from "node:perf_hooks";
import type { LeadReason } from "../dataset/lead-rule.js";
import { chooseLead } from "../dataset/lead-rule.js";
import { readLead } from "../dataset/read-lead.js";
import { UserError } from "../errors.js";
import { type BeatSeries, type Pooled, poolComparisons } from "../eval/bxb.js";
import type { ScoringProtocol } from "../eval/bxb-protocol.js";
import { describeRecord } from "../io/read-record.js";
import { detectQrs } from "../qrs/detect.js";
import { PAN_TOMPKINS_DEFAULTS } from "../qrs/pan-tompkins.js";
import type { AnnotationPolicy } from "../wfdb/annotation.js";
import { readTestBeats } from "./beats-file.js";
import { compareWithReference, type RecordComparison } from "./compare-record.js";

/** Where each record's test beats come from. */
export type TestBeats =
  | { file: string }
  | { annotator: string }
  | {
      detect: true;
      lead?: string /** Samples per second of a text record without a time column. */;
      fs?: number;
    };

/** A record's comparison, and the lead the built-in detector ran on ({ detect: true }). */
export type ComparedRecord = RecordComparison & { lead?: { name: string; reason: LeadReason } };

export interface CompareRecordsOptions {
  records: readonly string[];
  test: TestBeats;
  /** Reference annotator (default atr). */
  reference?: string;
  protocol: ScoringProtocol;
  /** Damaged annotation files (reference and test): refused (default) or mended. */
  annotations?: AnnotationPolicy;
  onRecord?: (done: number, total: number) => void;
}

export interface CompareRun extends Pooled {
  results: ComparedRecord[];
  /** Whether every test series carried classes (else only the QRS figures mean anything). */
  classified: boolean;
  /** Seconds the detector took, with { detect: true }. */
  detectSeconds?: number;
}

export function compareRecords(opts: CompareRecordsOptions): CompareRun {
  const results: ComparedRecord[] = [];
  let detectSeconds = 0;
  for (const [i, recordPath] of opts.records.entries()) {
    let test: BeatSeries;
    let fs: number;
    let signalLength: number | undefined;
    let lead: ComparedRecord["lead"];
    if ("detect" in opts.test) {
      const l = readLead(recordPath, {
        ...(opts.test.lead !== undefined ? { lead: opts.test.lead } : {}),
        ...(opts.test.fs !== undefined ? { fs: opts.test.fs } : {}),
        minSeconds: PAN_TOMPKINS_DEFAULTS.learningMs / 1000,
        usable: true,
      });
      fs = l.fs;
      signalLength = l.signal.length;
      lead = { name: l.lead, reason: l.reason };
      const t0 = performance.now();
      test = { samples: detectQrs(l.signal, l.fs) };
      detectSeconds += (performance.now() - t0) / 1000;
    } else {
      // The test beats are samples at the rate of the lead the rule chooses (a WFDB record's signals
      // share one; an EDF file's need not), read from the header alone where the format allows.
      const record = describeRecord(recordPath);
      if (record.signals.length === 0) throw new UserError(`record ${record.name}: no signals`, record.file);
      const oneRate = record.signals.every((s) => s.fs === record.signals[0]?.fs);
      const index = oneRate
        ? 0
        : chooseLead(record.signals, undefined, { record: record.name, file: record.file }).index;
      fs = record.signals[index]!.fs;
      if (record.signals[index]!.length > 0) signalLength = record.signals[index]!.length;
      test = readTestBeats(
        "file" in opts.test ? opts.test.file : `${recordPath}.${opts.test.annotator}`,
        opts.annotations,
      );
    }
    const comparison = compareWithReference(recordPath, test, {
      fs,
      protocol: opts.protocol,
      ...(opts.reference !== undefined ? { reference: opts.reference } : {}),
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
      ...(signalLength !== undefined ? { signalLength } : {}),
    });
    results.push(lead !== undefined ? { ...comparison, lead } : comparison);
    opts.onRecord?.(i + 1, opts.records.length);
  }
  return {
    results,
    classified: results.every((r) => r.classified),
    ...poolComparisons(results),
    ...("detect" in opts.test ? { detectSeconds } : {}),
  };
}
