// What the record viewer shows of one record: the lead, the reference beats, and (with a model)
// every beat detected and labelled, with the beat-by-beat comparison when a reference exists.
import { existsSync } from "node:fs";

import type { BxbStats } from "../eval/bxb.js";
import { CLASS_NAMES, N_CLASSES } from "../vocabulary.js";
import { isBeatSymbol, readAnnotations } from "../wfdb/annotation.js";
import { type BeatProbabilities, classifySignal } from "./classify.js";
import { compareWithReference } from "./compare-record.js";
import { loadLead } from "./lead.js";

export interface SummaryBeat {
  sample: number;
  /** AAMI class letter (N S V F Q). */
  label: string;
  /** N S V F Q probabilities. */
  probs: number[];
}

export interface RecordSummary {
  record: string;
  lead: string;
  signalIndex: number;
  fs: number;
  signal: Float32Array;
  /** Reference beat annotations (MIT-BIH symbols), when the annotation file exists. */
  reference?: { sample: number; symbol: string }[];
  /** Detected and classified beats, when a classifier was given. */
  predicted?: SummaryBeat[];
  /** Beat-by-beat comparison of the prediction with the reference (bxb rules), when both exist. */
  comparison?: { matrix: number[][]; stats: BxbStats };
  /** Seconds spent detecting and classifying. */
  seconds?: number;
}

/**
 * Loads a record for display. `classifier` is a loaded model (see models/classifier.ts
 * loadClassifier); the caller disposes of it.
 */
export function recordSummary(
  recordPath: string,
  opts: { lead?: string; annotator?: string; classifier?: BeatProbabilities } = {},
): RecordSummary {
  const annotator = opts.annotator ?? "atr";
  const lead = loadLead(recordPath, opts.lead !== undefined ? { lead: opts.lead } : {});
  const summary: RecordSummary = {
    record: lead.name,
    lead: lead.lead,
    signalIndex: lead.signalIndex,
    fs: lead.fs,
    signal: lead.signal,
  };
  const hasReference = existsSync(`${recordPath}.${annotator}`);
  if (hasReference) {
    summary.reference = readAnnotations(recordPath, annotator)
      .filter((a) => isBeatSymbol(a.symbol))
      .map((a) => ({ sample: a.sample, symbol: a.symbol }));
  }
  if (opts.classifier) {
    const t0 = performance.now();
    const r = classifySignal(lead.signal, lead.fs, opts.classifier);
    summary.seconds = (performance.now() - t0) / 1000;
    summary.predicted = Array.from(r.sample, (sample, i) => ({
      sample,
      label: CLASS_NAMES[r.label[i]!]!,
      probs: Array.from(r.proba.subarray(i * N_CLASSES, (i + 1) * N_CLASSES)),
    }));
    if (hasReference) {
      const cmp = compareWithReference(
        recordPath,
        { samples: r.sample, classes: r.label },
        { fs: lead.fs, reference: annotator },
      );
      summary.comparison = { matrix: cmp.matrix, stats: cmp.stats };
    }
  }
  return summary;
}
