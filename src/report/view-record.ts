// `ecg view` as a service: one record's viewer page (viewer.ts), from what record/summary.ts reads and
// computes of it — the lead, the reference beats, the model's beats and their comparison over the
// scored span, the clinical summary — with the notes a user should read. `ecg report --views` makes
// the pages its misclassified beats link to with it, one model loaded for every record.
import path from "node:path";
import { describeLead } from "../dataset/read-lead.js";
import { displayPath } from "../display-path.js";
import type { BxbStats } from "../eval/bxb.js";
import { describeProtocol, type ScoringProtocol } from "../eval/bxb-protocol.js";
import type { CheckpointInfo } from "../models/checkpoint.js";
import type { BeatClassifier } from "../models/classifier.js";
import { exposureWarning, modelExposure } from "../record/model-exposure.js";
import { classifySummary, type RecordSummary, recordSummary } from "../record/summary.js";
import type { AnnotationPolicy } from "../wfdb/annotation.js";
import { buildViewerHtml } from "./viewer.js";
import { mergeBeats } from "./viewer-beats.js";
import { viewerSummary } from "./viewer-summary.js";

export interface ViewRecordOptions {
  recordPath: string;
  /**
   * The model that labels the beats (undefined: the reference labels only), or what chooses it once
   * the record has been read (a bad record is the first thing to say).
   */
  modelFile?: string | (() => string | undefined);
  /** The model, loaded already (several pages, one model); loaded from modelFile (and disposed) otherwise. */
  classifier?: BeatClassifier & { info: CheckpointInfo };
  lead?: string;
  /** Samples per second of a text record without a time column. */
  fs?: number;
  annotator?: string;
  protocol: ScoringProtocol;
  annotations?: AnnotationPolicy;
}

export interface ViewedRecord {
  html: string;
  summary: RecordSummary;
  /** For the user, one line each (the page shows the warning too). */
  notes: string[];
  warning?: string;
}

export async function viewRecordPage(opts: ViewRecordOptions): Promise<ViewedRecord> {
  const annotator = opts.annotator ?? "atr";
  let s = recordSummary(opts.recordPath, {
    ...(opts.lead !== undefined ? { lead: opts.lead } : {}),
    ...(opts.fs !== undefined ? { fs: opts.fs } : {}),
    annotator,
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  });
  // The model after the record: a bad record is the first thing to say.
  let warning: string | undefined;
  const modelFile = typeof opts.modelFile === "function" ? opts.modelFile() : opts.modelFile;
  if (modelFile !== undefined) {
    let classifier = opts.classifier;
    if (classifier === undefined) {
      // Loaded here, not at the top: only a model needs libtorch.
      const { loadRecordClassifier } = await import("../record/classify-records.js");
      classifier = await loadRecordClassifier(modelFile);
    }
    try {
      s = classifySummary(s, classifier, opts.protocol, opts.annotations, displayPath(modelFile));
      warning = exposureWarning(modelFile, modelExposure(classifier.info), s.comparison ? [s.record] : []);
    } finally {
      if (opts.classifier === undefined) classifier.dispose();
    }
  }
  const notes = [...s.notes];
  if (s.reference === undefined)
    notes.push(
      `no ${displayPath(`${opts.recordPath}.${annotator}`)}; showing the signal without reference labels`,
    );
  const beats = mergeBeats(s.reference ?? [], s.predicted, s.fs);
  const scored = s.comparison && {
    start: s.comparison.start,
    excluded: s.comparison.excluded,
    protocol: describeProtocol(s.comparison.protocol),
  };
  const summary = viewerSummary(
    {
      record: displayPath(path.resolve(opts.recordPath)),
      lead: describeLead({ lead: s.lead, reason: s.leadReason }),
      signalIndex: s.signalIndex,
      nSignals: s.source.signals.length,
      fs: s.fs,
      nSamples: s.signal.length,
      comments: [...s.source.comments],
      ...(modelFile !== undefined && { model: displayPath(path.resolve(modelFile)) }),
      ...(s.comparison && {
        scoring: scoringLine(s.comparison.stats, describeProtocol(s.comparison.protocol)),
      }),
      ...(scored && { scored }),
    },
    beats,
  );
  const html = buildViewerHtml({
    record: s.record,
    fs: s.fs,
    lead: s.lead,
    signal: s.signal,
    beats,
    summary,
    ...(scored && { scored }),
    ...(s.clinical && { clinical: s.clinical }),
    ...(warning !== undefined && { warnings: [warning] }),
  });
  return { html, summary: s, notes, ...(warning !== undefined ? { warning } : {}) };
}

function scoringLine(stats: BxbStats, protocol: string): string {
  const pct = (v: number | null): string => (v === null ? "–" : `${v.toFixed(1)} %`);
  const c = stats.classes;
  return (
    `QRS Se ${pct(stats.qrs.se.value)} +P ${pct(stats.qrs.ppv.value)} · VEB Se ${pct(c.V.se.value)} +P ${pct(c.V.ppv.value)}` +
    ` · SVEB Se ${pct(c.S.se.value)} +P ${pct(c.S.ppv.value)} (${protocol})`
  );
}
