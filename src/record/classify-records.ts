// `ecg classify` as a service: every beat of one record or many, detected (or given), cut, labelled by
// one model loaded once; each record's beats written where asked (CSV or WFDB annotations) and
// compared with its reference annotations under a scoring protocol; gross and average figures over
// the records compared.
import { performance } from "node:perf_hooks";
import type { LeadReason } from "../dataset/lead-rule.js";
import { type Lead, readLead } from "../dataset/read-lead.js";
import { checkBeatRate } from "../dataset/usable-lead.js";
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";
import { type Pooled, poolComparisons } from "../eval/bxb.js";
import type { ScoringProtocol } from "../eval/bxb-protocol.js";
import { recordFiles, recordName } from "../io/read-record.js";
import type { CheckpointInfo } from "../models/checkpoint.js";
import type { BeatClassifier, ClassifierOptions } from "../models/classifier.js";
import { DEFAULT_MODEL, modelFileOrDefault } from "../models/model-file.js";
import { type GuardedInput, guardOutputs } from "../output-guard.js";
import { WINDOW_SECONDS } from "../vocabulary.js";
import { type AnnotationPolicy, writeAnnotations } from "../wfdb/annotation.js";
import { namingRecord } from "../wfdb/record.js";
import { beatAnnotations } from "./annotations-out.js";
import { beatsCsv, readTestBeats, writeTextAtomic } from "./beats-file.js";
import { type ClassifiedBeats, checkModel, classifySignal } from "./classify.js";
import { type ClinicalSummary, clinicalSummary, type SummarySource } from "./clinical-summary.js";
import { compareWithReference, hasReference, type RecordComparison } from "./compare-record.js";
import { exposureWarning, modelExposure } from "./model-exposure.js";

/** Stands for the record's name in an output path when several records are classified. */
export const RECORD_PLACEHOLDER = "{record}";

export interface RecordResult {
  record: string;
  lead: string;
  /** Why that lead (dataset/lead-rule.ts); absent for samples given without a name (stdin). */
  leadReason?: LeadReason;
  fs: number;
  result: ClassifiedBeats;
  /** Reading the lead, detecting (unless given) and classifying, in seconds. */
  seconds: number;
  output?: string;
  comparison?: RecordComparison;
  /** What a clinician reads: heart rate, ectopic beats by hour, couplets, runs, pauses. */
  summary: ClinicalSummary;
}

export interface ClassifyRecordsOptions {
  records: readonly string[];
  /** The model; DEFAULT_MODEL (models/model-file.ts) when undefined. */
  modelFile?: string;
  classifier?: ClassifierOptions;
  /** Lead by name or 0-based index (default: the lead rule, dataset/lead-rule.ts). */
  lead?: string;
  /** Samples per second of text records without a time column. */
  fs?: number;
  /** Beat positions to use instead of detecting them (one record). */
  peaksFile?: string;
  /** Where each record's beats go: .csv, or a WFDB annotation file; RECORD_PLACEHOLDER for several. */
  output?: string;
  /** Reference annotator to compare with where present; "none" to skip. */
  reference: string;
  protocol: ScoringProtocol;
  /** Damaged annotation files (reference, --peaks): refused (default) or mended. */
  annotations?: AnnotationPolicy;
  onRecord?: (done: number, total: number) => void;
}

export interface ClassifyRun {
  results: RecordResult[];
  /** Gross and average figures over the records that had a reference. */
  pooled: Pooled | undefined;
  /** The results that were compared with a reference, in order. */
  compared: RecordResult[];
  /** The model the beats were classified with (the default one when none was given). */
  modelFile: string;
  modelLoadSeconds: number;
  /** What the model's provenance says of the patients it has seen, when there is something to say. */
  modelWarning?: string;
}

/** A model for whole records: loaded (libtorch only now), refused in one line if this pipeline cannot feed it. */
export async function loadRecordClassifier(
  modelFile: string,
  opts: ClassifierOptions = {},
): Promise<BeatClassifier & { info: CheckpointInfo }> {
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
function readRecordLead(
  recordPath: string,
  opts: Pick<ClassifyRecordsOptions, "lead" | "fs">,
): { lead: Lead; seconds: number } {
  const t0 = performance.now();
  return {
    lead: readLead(recordPath, {
      ...(opts.lead !== undefined ? { lead: opts.lead } : {}),
      ...(opts.fs !== undefined ? { fs: opts.fs } : {}),
      minSeconds: WINDOW_SECONDS,
      usable: true,
    }),
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * A model to label beats with (the library's loadModel): `file`, or the shipped model for new
 * patients (models/interpatient.safetensors) when none is given; the caller disposes of it.
 */
export function loadModel(file?: string, opts: ClassifierOptions = {}): Promise<BeatClassifier> {
  return loadRecordClassifier(modelFileOrDefault(file), opts);
}

/** Writes classified beats: a CSV by its .csv extension, else a WFDB annotation file. */
export function writeClassifiedBeats(output: string, result: ClassifiedBeats, fs: number): void {
  if (output.toLowerCase().endsWith(".csv")) writeTextAtomic(output, beatsCsv(result, fs));
  else writeAnnotations(output, beatAnnotations(result.sample, result.label));
}

/** A record's output file: the output path with RECORD_PLACEHOLDER replaced by the record's name. */
function outputFor(output: string | undefined, recordPath: string): string | undefined {
  return output?.split(RECORD_PLACEHOLDER).join(recordName(recordPath));
}

export async function classifyRecords(opts: ClassifyRecordsOptions): Promise<ClassifyRun> {
  // Before any work: no output is a file read (a record's header, signals, reference annotations;
  // the model; the peaks), and no two records write one file.
  const inputs: GuardedInput[] = [
    ...opts.records.flatMap((r) => recordFiles(r, ["atr", opts.reference])),
    { file: opts.modelFile ?? DEFAULT_MODEL, what: "the model" },
    ...(opts.peaksFile !== undefined ? [{ file: opts.peaksFile, what: "the --peaks file" }] : []),
  ];
  const outputs = opts.records.flatMap((r) => {
    const file = outputFor(opts.output, r);
    return file !== undefined ? [{ file, for: `record ${r}` }] : [];
  });
  guardOutputs(outputs, inputs);
  // The first record is read before the model so that a bad record fails fast, without the
  // half-second libtorch load.
  const first = readRecordLead(opts.records[0]!, opts);
  const modelFile = modelFileOrDefault(opts.modelFile);
  const tLoad = performance.now();
  const classifier = await loadRecordClassifier(modelFile, opts.classifier);
  const modelLoadSeconds = (performance.now() - tLoad) / 1000;
  const results: RecordResult[] = [];
  const exposure = modelExposure(classifier.info);
  try {
    for (const [i, recordPath] of opts.records.entries()) {
      const read = i === 0 ? first : readRecordLead(recordPath, opts);
      try {
        results.push(classifyRecord(recordPath, read, classifier, { ...opts, modelFile }));
      } catch (e) {
        throw namingRecord(e, recordPath);
      }
      opts.onRecord?.(i + 1, opts.records.length);
    }
  } finally {
    classifier.dispose();
  }
  const compared = results.filter((r) => r.comparison !== undefined);
  const modelWarning = exposureWarning(
    modelFile,
    exposure,
    compared.map((r) => r.record),
  );
  return {
    results,
    compared,
    pooled: compared.length > 0 ? poolComparisons(compared.map((r) => r.comparison!)) : undefined,
    modelFile,
    modelLoadSeconds,
    ...(modelWarning !== undefined ? { modelWarning } : {}),
  };
}

function classifyRecord(
  recordPath: string,
  read: { lead: Lead; seconds: number },
  classifier: BeatClassifier,
  opts: ClassifyRecordsOptions & { modelFile: string },
): RecordResult {
  const t0 = performance.now();
  const { lead } = read;
  const peaks =
    opts.peaksFile !== undefined ? readTestBeats(opts.peaksFile, opts.annotations).samples : undefined;
  const result = classifySignal(lead.signal, lead.fs, classifier, peaks !== undefined ? { peaks } : {});
  const seconds = read.seconds + (performance.now() - t0) / 1000;
  if (result.count === 0)
    throw new UserError(`record ${lead.name}: no beats found on ${lead.lead}`, recordPath);
  checkBeatRate(result.sample, lead.fs, { record: lead.name, lead: lead.lead, file: lead.record.file });
  // The output's folder was made by guardOutputs, before any work.
  const output = outputFor(opts.output, recordPath);
  if (output !== undefined) writeClassifiedBeats(output, result, lead.fs);
  const comparison = compareIfReference(recordPath, result, lead.fs, {
    ...opts,
    signalLength: lead.signal.length,
  });
  const summary = recordSummaryOf(result, lead.fs, lead.signal.length, {
    lead: { name: lead.lead, signal: lead.signalIndex, signals: lead.record.signals.length },
    labels: { by: "model", model: displayPath(opts.modelFile) },
    ...(comparison ? { protocol: opts.protocol } : {}),
  });
  return {
    record: lead.name,
    lead: lead.lead,
    leadReason: lead.reason,
    fs: lead.fs,
    result,
    seconds,
    ...(output !== undefined ? { output } : {}),
    ...(comparison ? { comparison } : {}),
    summary,
  };
}

/** The clinical summary of a record's classified beats (clinical-summary.ts). */
export function recordSummaryOf(
  result: ClassifiedBeats,
  fs: number,
  length: number,
  source: SummarySource,
): ClinicalSummary {
  return clinicalSummary({ sample: result.sample, label: result.label }, { ...source, fs, length });
}

/** The beat-by-beat comparison with the record's reference annotations, when it has them. */
export function compareIfReference(
  recordPath: string,
  result: ClassifiedBeats,
  fs: number,
  opts: {
    reference: string;
    protocol: ScoringProtocol;
    end?: number;
    signalLength?: number;
    annotations?: AnnotationPolicy;
  },
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
      ...(opts.signalLength !== undefined ? { signalLength: opts.signalLength } : {}),
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
  );
}
