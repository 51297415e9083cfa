// `ecg compare` as a service: the test beats of each record (a file, an annotator, or the built-in
// detector) against its reference annotations under a scoring protocol, and the gross and average
// figures over the records.
import { performance } from "node:perf_hooks";
import { type BeatSeries, type Pooled, poolComparisons } from "../eval/bxb.js";
import type { ScoringProtocol } from "../eval/bxb-protocol.js";
import { detectQrs } from "../qrs/detect.js";
import { PAN_TOMPKINS_DEFAULTS } from "../qrs/pan-tompkins.js";
import { readHeader } from "../wfdb/header.js";
import { readTestBeats } from "./beats-file.js";
import { compareWithReference, type RecordComparison } from "./compare-record.js";
import { loadLead } from "./lead.js";

/** Where each record's test beats come from. */
export type TestBeats = { file: string } | { annotator: string } | { detect: true; lead?: string };

export interface CompareRecordsOptions {
  records: readonly string[];
  test: TestBeats;
  /** Reference annotator (default atr). */
  reference?: string;
  protocol: ScoringProtocol;
  onRecord?: (done: number, total: number) => void;
}

export interface CompareRun extends Pooled {
  results: RecordComparison[];
  /** Whether every test series carried classes (else only the QRS figures mean anything). */
  classified: boolean;
  /** Seconds the detector took, with { detect: true }. */
  detectSeconds?: number;
}

export function compareRecords(opts: CompareRecordsOptions): CompareRun {
  const results: RecordComparison[] = [];
  let detectSeconds = 0;
  for (const [i, recordPath] of opts.records.entries()) {
    let test: BeatSeries;
    let fs: number;
    if ("detect" in opts.test) {
      const l = loadLead(recordPath, {
        ...(opts.test.lead !== undefined ? { lead: opts.test.lead } : {}),
        minSeconds: PAN_TOMPKINS_DEFAULTS.learningMs / 1000,
      });
      fs = l.fs;
      const t0 = performance.now();
      test = { samples: detectQrs(l.signal, l.fs) };
      detectSeconds += (performance.now() - t0) / 1000;
    } else {
      fs = readHeader(recordPath).samplingFrequency;
      test = readTestBeats("file" in opts.test ? opts.test.file : `${recordPath}.${opts.test.annotator}`);
    }
    results.push(
      compareWithReference(recordPath, test, {
        fs,
        protocol: opts.protocol,
        ...(opts.reference !== undefined ? { reference: opts.reference } : {}),
      }),
    );
    opts.onRecord?.(i + 1, opts.records.length);
  }
  return {
    results,
    classified: results.every((r) => r.classified),
    ...poolComparisons(results),
    ...("detect" in opts.test ? { detectSeconds } : {}),
  };
}
