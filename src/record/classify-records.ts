// `ecg classify` as a service: every beat of one record or many, detected (or given), cut, labelled by
// one model loaded once; each record's beats written where asked (CSV or WFDB annotations) and
// compared with its reference annotations under a scoring protocol; gross and average figures over
// the records compared.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { UserError } from "../errors.js";
import { type Pooled, poolComparisons } from "../eval/bxb.js";
import type { ScoringProtocol } from "../eval/bxb-protocol.js";
import type { BeatClassifier, ClassifierOptions } from "../models/classifier.js";
import { modelFileOrDefault } from "../models/model-file.js";
import { WINDOW_SECONDS } from "../vocabulary.js";
import { writeAnnotations } from "../wfdb/annotation.js";
import { beatAnnotations } from "./annotations-out.js";
import { beatsCsv, readTestBeats, writeTextAtomic } from "./beats-file.js";
import { type ClassifiedBeats, checkModel, classifySignal } from "./classify.js";
import { compareWithReference, hasReference, type RecordComparison } from "./compare-record.js";
import { type LoadedLead, loadLead } from "./lead.js";

/** Stands for the record's name in an output path when several records are classified. */
export const RECORD_PLACEHOLDER = "{record}";

export interface RecordResult {
  record: string;
  lead: string;
  fs: number;
  result: ClassifiedBeats;
  /** Reading the lead, detecting (unless given) and classifying, in seconds. */
  seconds: number;
  output?: string;
  comparison?: RecordComparison;
}

export interface ClassifyRecordsOptions {
  records: readonly string[];
  /** The model; DEFAULT_MODEL (models/model-file.ts) when undefined. */
  modelFile?: string;
  classifier?: ClassifierOptions;
  /** Lead by name (default MLII, else V5). */
  lead?: string;
  /** Beat positions to use instead of detecting them (one record). */
  peaksFile?: string;
  /** Where each record's beats go: .csv, or a WFDB annotation file; RECORD_PLACEHOLDER for several. */
  output?: string;
  /** Reference annotator to compare with where present; "none" to skip. */
  reference: string;
  protocol: ScoringProtocol;
  onRecord?: (done: number, total: number) => void;
}

export interface ClassifyRun {
  results: RecordResult[];
  /** Gross and average figures over the records that had a reference. */
  pooled: Pooled | undefined;
  /** The results that were compared with a reference, in order. */
  compared: RecordResult[];
  modelLoadSeconds: number;
}

/** A model for whole records: loaded (libtorch only now), refused in one line if this pipeline cannot feed it. */
export async function loadRecordClassifier(
  modelFile: string,
  opts: ClassifierOptions = {},
): Promise<BeatClassifier> {
  const { loadClassifier } = await import("../models/classifier.js");
  const classifier = loadClassifier(modelFile, opts);
  try {
    checkModel(classifier, modelFile);
  } catch (e) {
    classifier.dispose();
    throw e;
  }
  return classifier;
}

/** The lead a whole record is classified on, with the time the reading took. */
function readLead(recordPath: string, lead: string | undefined): { lead: LoadedLead; seconds: number } {
  const t0 = performance.now();
  return {
    lead: loadLead(recordPath, { lead, minSeconds: WINDOW_SECONDS }),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Writes classified beats: a CSV by its .csv extension, else a WFDB annotation file. */
export function writeClassifiedBeats(output: string, result: ClassifiedBeats, fs: number): void {
  if (output.toLowerCase().endsWith(".csv")) writeTextAtomic(output, beatsCsv(result, fs));
  else writeAnnotations(output, beatAnnotations(result.sample, result.label));
}

export async function classifyRecords(opts: ClassifyRecordsOptions): Promise<ClassifyRun> {
  // The first record is read before the model so that a bad record fails fast, without the
  // half-second libtorch load.
  const first = readLead(opts.records[0]!, opts.lead);
  const tLoad = performance.now();
  const classifier = await loadRecordClassifier(modelFileOrDefault(opts.modelFile), opts.classifier);
  const modelLoadSeconds = (performance.now() - tLoad) / 1000;
  const results: RecordResult[] = [];
  try {
    for (const [i, recordPath] of opts.records.entries()) {
      const read = i === 0 ? first : readLead(recordPath, opts.lead);
      results.push(classifyRecord(recordPath, read, classifier, opts));
      opts.onRecord?.(i + 1, opts.records.length);
    }
  } finally {
    classifier.dispose();
  }
  const compared = results.filter((r) => r.comparison !== undefined);
  return {
    results,
    compared,
    pooled: compared.length > 0 ? poolComparisons(compared.map((r) => r.comparison!)) : undefined,
    modelLoadSeconds,
  };
}

function classifyRecord(
  recordPath: string,
  read: { lead: LoadedLead; seconds: number },
  classifier: BeatClassifier,
  opts: ClassifyRecordsOptions,
): RecordResult {
  const t0 = performance.now();
  const { lead } = read;
  const peaks = opts.peaksFile !== undefined ? readTestBeats(opts.peaksFile).samples : undefined;
  const result = classifySignal(lead.signal, lead.fs, classifier, peaks !== undefined ? { peaks } : {});
  const seconds = read.seconds + (performance.now() - t0) / 1000;
  if (result.count === 0)
    throw new UserError(`record ${lead.name}: no beats found on ${lead.lead}`, recordPath);
  const output = opts.output?.split(RECORD_PLACEHOLDER).join(lead.name);
  if (output !== undefined) {
    // out/{record}.atr: the folder is made, as a user running over a directory of records expects
    if (opts.output !== output) mkdirSync(path.dirname(output), { recursive: true });
    writeClassifiedBeats(output, result, lead.fs);
  }
  const comparison = compareIfReference(recordPath, result, lead.fs, opts);
  return {
    record: lead.name,
    lead: lead.lead,
    fs: lead.fs,
    result,
    seconds,
    ...(output !== undefined ? { output } : {}),
    ...(comparison ? { comparison } : {}),
  };
}

/** The beat-by-beat comparison with the record's reference annotations, when it has them. */
export function compareIfReference(
  recordPath: string,
  result: ClassifiedBeats,
  fs: number,
  opts: { reference: string; protocol: ScoringProtocol; end?: number },
): RecordComparison | undefined {
  if (opts.reference === "none" || !hasReference(recordPath, opts.reference)) return undefined;
  return compareWithReference(
    recordPath,
    { samples: result.sample, classes: result.label },
    {
      fs,
      reference: opts.reference,
      protocol: opts.protocol,
      ...(opts.end !== undefined ? { end: opts.end } : {}),
    },
  );
}
