// What the record viewer shows of one record — the lead, the reference beats, and (with a model)
// every beat detected and labelled, with the beat-by-beat comparison under a scoring protocol when a
// reference exists (and the span that protocol scores), and the clinical summary of the beats (the
// model's labels, else the reference's). The page is assembled by src/report/view-record.ts.
import { existsSync } from "node:fs";
import { chooseLead, type LeadReason } from "../dataset/lead-rule.js";
import { type Lead, readLead } from "../dataset/read-lead.js";
import { checkUsableLead } from "../dataset/usable-lead.js";
import { UserError } from "../errors.js";
import type { BxbStats } from "../eval/bxb.js";
import { EC57_PROTOCOL, type ScoringProtocol, startSample } from "../eval/bxb-protocol.js";
import { beatClass } from "../eval/bxb-reference.js";
import { readRecord } from "../io/read-record.js";
import { CLASS_NAMES, N_CLASSES } from "../vocabulary.js";
import type { AnnotationPolicy } from "../wfdb/annotation.js";
import { isBeatSymbol, readAnnotations } from "../wfdb/annotation.js";
import { type BeatProbabilities, classifySignal } from "./classify.js";
import { type ClinicalSummary, clinicalSummary } from "./clinical-summary.js";
import { compareWithReference } from "./compare-record.js";

export interface SummaryBeat {
  sample: number;
  /** AAMI class letter (N S V F Q). */
  label: string;
  /** N S V F Q probabilities, to 4 decimals (what a page needs). */
  probs: number[];
}

export interface RecordSummary {
  record: string;
  /** The record as given (path without extension), and its reference annotator. */
  recordPath: string;
  annotator: string;
  /** The record the lead was read from (its signals, comments). */
  source: Lead["record"];
  lead: string;
  /** Why that lead (dataset/lead-rule.ts). */
  leadReason: LeadReason;
  signalIndex: number;
  fs: number;
  signal: Float32Array;
  /** Why the lead shown is not the one asked for or the classifier's usual one. */
  notes: string[];
  /** Reference beat annotations (MIT-BIH symbols), when the annotation file exists. */
  reference?: { sample: number; symbol: string }[];
  /** Detected and classified beats, when a classifier was given. */
  predicted?: SummaryBeat[];
  /**
   * Beat-by-beat comparison of the prediction with the reference (bxb rules), when both exist, and
   * the span it scores: from `start` (a sample), reference VF/flutter episodes (`excluded`) left out.
   */
  comparison?: {
    matrix: number[][];
    stats: BxbStats;
    protocol: ScoringProtocol;
    start: number;
    excluded: Array<{ from: number; to: number }>;
  };
  /** The clinical summary of the model's beats, else of the reference beats (none without either). */
  clinical?: ClinicalSummary;
  /** Seconds spent detecting and classifying. */
  seconds?: number;
}

/**
 * The named lead; by default the lead the classifier uses (the lead rule, dataset/lead-rule.ts), and
 * for a record with no ECG signal, signal 0 with a note: a viewer should show any record.
 */
function chooseShownLead(recordPath: string, opts: { lead?: string; fs?: number }, notes: string[]): Lead {
  const record = readRecord(recordPath, opts.fs !== undefined ? { fs: opts.fs } : {});
  if (opts.lead !== undefined) return readLead(record, { lead: opts.lead });
  try {
    chooseLead(record.signals, undefined, { record: record.name, file: record.file });
  } catch (e) {
    if (!(e instanceof UserError) || record.signals.length === 0) throw e;
    const shown = readLead(record, { lead: "0" });
    notes.push(`record ${shown.name} has no ECG signal; showing signal 0 (${shown.lead})`);
    return shown;
  }
  return readLead(record);
}

/** Loads a record for display: the lead and the reference beats (no model yet). */
export function recordSummary(
  recordPath: string,
  opts: { lead?: string; fs?: number; annotator?: string; annotations?: AnnotationPolicy } = {},
): RecordSummary {
  const annotator = opts.annotator ?? "atr";
  const notes: string[] = [];
  const lead = chooseShownLead(recordPath, opts, notes);
  const summary: RecordSummary = {
    record: lead.name,
    recordPath,
    annotator,
    source: lead.record,
    lead: lead.lead,
    leadReason: lead.reason,
    signalIndex: lead.signalIndex,
    fs: lead.fs,
    signal: lead.signal,
    notes,
  };
  if (existsSync(`${recordPath}.${annotator}`)) {
    summary.reference = readAnnotations(recordPath, annotator, {
      ...(opts.annotations ? { policy: opts.annotations } : {}),
      signalLength: lead.signal.length,
    })
      .filter((a) => isBeatSymbol(a.symbol))
      .map((a) => ({ sample: a.sample, symbol: a.symbol }));
    summary.clinical = clinicalSummary(
      {
        sample: summary.reference.map((r) => r.sample),
        label: summary.reference.map((r) => beatClass(r.symbol)),
      },
      {
        ...leadSource(summary),
        labels: { by: "reference", annotator },
        fs: lead.fs,
        length: lead.signal.length,
      },
    );
  }
  return summary;
}

function leadSource(s: RecordSummary): { lead: ClinicalSummary["lead"] } {
  return { lead: { name: s.lead, signal: s.signalIndex, signals: s.source.signals.length } };
}

/**
 * Adds every beat detected and labelled by `classifier` (a loaded model: record/classify-records.ts
 * loadRecordClassifier; the caller disposes of it), and the comparison with the reference when there is one.
 */
export function classifySummary(
  summary: RecordSummary,
  classifier: BeatProbabilities,
  protocol: ScoringProtocol = EC57_PROTOCOL,
  annotations?: AnnotationPolicy,
  /** The model's file as pages show it. */
  modelShown = "the model",
): RecordSummary {
  checkUsableLead(summary.signal, summary.fs, {
    record: summary.record,
    lead: summary.lead,
    file: summary.source.file,
  });
  const t0 = performance.now();
  const r = classifySignal(summary.signal, summary.fs, classifier);
  const predicted = Array.from(r.sample, (sample, i) => ({
    sample,
    label: CLASS_NAMES[r.label[i]!]!,
    probs: Array.from(r.proba.subarray(i * N_CLASSES, (i + 1) * N_CLASSES), (p) => Math.round(p * 1e4) / 1e4),
  }));
  const seconds = (performance.now() - t0) / 1000;
  const clinical = (withProtocol: boolean) =>
    clinicalSummary(r, {
      ...leadSource(summary),
      labels: { by: "model", model: modelShown },
      ...(withProtocol ? { protocol } : {}),
      fs: summary.fs,
      length: summary.signal.length,
    });
  if (summary.reference === undefined) return { ...summary, predicted, seconds, clinical: clinical(false) };
  const cmp = compareWithReference(
    summary.recordPath,
    { samples: r.sample, classes: r.label },
    {
      fs: summary.fs,
      reference: summary.annotator,
      protocol,
      signalLength: summary.signal.length,
      ...(annotations ? { annotations } : {}),
    },
  );
  return {
    ...summary,
    predicted,
    seconds,
    comparison: {
      matrix: cmp.matrix,
      stats: cmp.stats,
      protocol,
      start: startSample(protocol, summary.fs),
      excluded: cmp.vf,
    },
    clinical: clinical(true),
  };
}
