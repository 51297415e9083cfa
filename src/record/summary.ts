// What the record viewer shows of one record — the lead, the reference beats, and (with a model)
// every beat detected and labelled, with the beat-by-beat comparison under a scoring protocol when a
// reference exists (and the span that protocol scores), and the clinical summary of the beats (the
// model's labels, else the reference's). The page is assembled by src/report/view-record.ts.
import { existsSync } from "node:fs";
import { checkUsableLead } from "../dataset/usable-lead.js";
import type { BxbStats } from "../eval/bxb.js";
import { EC57_PROTOCOL, type ScoringProtocol, startSample } from "../eval/bxb-protocol.js";
import { beatClass } from "../eval/bxb-reference.js";
import { BEAT_LEADS, CLASS_NAMES, N_CLASSES } from "../vocabulary.js";
import type { AnnotationPolicy } from "../wfdb/annotation.js";
import { isBeatSymbol, readAnnotations } from "../wfdb/annotation.js";
import type { RecordHeader } from "../wfdb/header.js";
import { readHeader } from "../wfdb/header.js";
import { type BeatProbabilities, classifySignal } from "./classify.js";
import { type ClinicalSummary, clinicalSummary } from "./clinical-summary.js";
import { compareWithReference } from "./compare-record.js";
import { type LoadedLead, loadLead } from "./lead.js";

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
  header: RecordHeader;
  lead: string;
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
 * The named lead; by default the lead the classifier uses (MLII, else V5, as the heartbeat set does),
 * and for a record with neither, signal 0 with a note: a viewer should show any record.
 */
function chooseLead(recordPath: string, wanted: string | undefined, notes: string[]): LoadedLead {
  if (wanted !== undefined) return loadLead(recordPath, { lead: wanted });
  const names = readHeader(recordPath).signals.map((s) => s.description.trim().toUpperCase());
  if (BEAT_LEADS.some((l) => names.includes(l))) return loadLead(recordPath);
  const loaded = loadLead(recordPath, { lead: names[0] ?? "" });
  notes.push(
    `record ${loaded.name} has neither ${BEAT_LEADS.join(" nor ")}; showing signal 0 (${loaded.lead})`,
  );
  return loaded;
}

/** Loads a record for display: the lead and the reference beats (no model yet). */
export function recordSummary(
  recordPath: string,
  opts: { lead?: string; annotator?: string; annotations?: AnnotationPolicy } = {},
): RecordSummary {
  const annotator = opts.annotator ?? "atr";
  const notes: string[] = [];
  const lead = chooseLead(recordPath, opts.lead, notes);
  const summary: RecordSummary = {
    record: lead.name,
    recordPath,
    annotator,
    header: lead.header,
    lead: lead.lead,
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
  return { lead: { name: s.lead, signal: s.signalIndex, signals: s.header.nSignals } };
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
    file: summary.header.file,
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
