// `ecg classify`: every beat of one record or many, detected (or given), cut by the Kachuee
// pipeline and labelled by a model; CSV or WFDB annotation output; the bxb comparison where a
// reference exists (per record, and gross and average over several records).
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { checkBeatRate } from "../../dataset/usable-lead.js";
import { type AverageStats, averageStats, type BxbStats, bxbStats, sumMatrices } from "../../eval/bxb.js";
import { formatMatrix, formatRecordTable, formatStats } from "../../eval/bxb-report.js";
import type { BeatClassifier } from "../../models/classifier.js";
import { type GuardedInput, guardOutputs } from "../../output-guard.js";
import { beatAnnotations } from "../../record/annotations-out.js";
import { beatsCsv, readTestBeats, writeTextAtomic } from "../../record/beats-file.js";
import { type ClassifiedBeats, checkClasses, classifySignal } from "../../record/classify.js";
import { compareWithReference, hasReference, type RecordComparison } from "../../record/compare-record.js";
import { type LoadedLead, loadLead } from "../../record/lead.js";
import { median } from "../../signal/median.js";
import { CLASS_NAMES, classCounts, WINDOW_SECONDS } from "../../vocabulary.js";
import type { AnnotationPolicy } from "../../wfdb/annotation.js";
import { writeAnnotations } from "../../wfdb/annotation.js";
import { namingRecord, recordFiles } from "../../wfdb/record.js";
import {
  annotationPolicy,
  choiceOpt,
  LENIENT_HELP,
  LENIENT_OPTION,
  numberOpt,
  RECORDS_HELP,
  recordsOpt,
  requireString,
  stringOpt,
} from "../args.js";
import type { Command } from "../command.js";
import { UsageError, UserError } from "../errors.js";
import { displayPath, info, printJson, println } from "../output.js";
import { ProgressBar } from "../progress.js";

/** Stands for the record's name in --output when several records are classified. */
const RECORD_PLACEHOLDER = "{record}";

interface RecordResult {
  record: string;
  lead: string;
  fs: number;
  result: ClassifiedBeats;
  /** Reading the lead, detecting (unless given) and classifying, in seconds. */
  seconds: number;
  output?: string;
  comparison?: RecordComparison;
}

interface ClassifyJob {
  recordPath: string;
  peaksFile: string | undefined;
  output: string | undefined;
  reference: string;
  annotations: AnnotationPolicy;
}

/** A record's output file: --output with {record} replaced by the record's name. */
function outputFor(output: string | undefined, recordPath: string): string | undefined {
  return output?.split(RECORD_PLACEHOLDER).join(path.basename(recordPath));
}

function countsByName(result: ClassifiedBeats): Record<string, number> {
  const counts = classCounts(result.label);
  return Object.fromEntries(CLASS_NAMES.map((c, k) => [c, counts[k]!]));
}

/** A record's lead, read, with the seconds the reading took (counted in the record's time). */
interface ReadLead {
  lead: LoadedLead;
  seconds: number;
}

function readLead(recordPath: string, lead: string | undefined): ReadLead {
  const t0 = performance.now();
  return {
    lead: loadLead(recordPath, { lead, minSeconds: WINDOW_SECONDS, usable: true }),
    seconds: (performance.now() - t0) / 1000,
  };
}

function classifyRecord(job: ClassifyJob, read: ReadLead, classifier: BeatClassifier): RecordResult {
  const t0 = performance.now();
  const { lead } = read;
  const peaks =
    job.peaksFile !== undefined ? readTestBeats(job.peaksFile, job.annotations).samples : undefined;
  const result = classifySignal(lead.signal, lead.fs, classifier, peaks !== undefined ? { peaks } : {});
  const seconds = read.seconds + (performance.now() - t0) / 1000;
  if (result.count === 0)
    throw new UserError(`record ${lead.name}: no beats found on ${lead.lead}`, job.recordPath);
  checkBeatRate(result.sample, lead.fs, { record: lead.name, lead: lead.lead, file: lead.header.file });

  const output = outputFor(job.output, job.recordPath);
  if (output !== undefined) {
    if (output.toLowerCase().endsWith(".csv")) writeTextAtomic(output, beatsCsv(result, lead.fs));
    else writeAnnotations(output, beatAnnotations(result.sample, result.label));
  }
  const comparison =
    job.reference !== "none" && hasReference(job.recordPath, job.reference)
      ? compareWithReference(
          job.recordPath,
          { samples: result.sample, classes: result.label },
          {
            fs: lead.fs,
            reference: job.reference,
            signalLength: lead.signal.length,
            annotations: job.annotations,
          },
        )
      : undefined;
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

function printOne(r: RecordResult, given: boolean, reference: string): void {
  const counts = countsByName(r.result);
  println(
    `record ${r.record}: ${r.result.count} beats on ${r.lead} (${given ? "given" : "detected"}): ` +
      CLASS_NAMES.map((c) => `${c} ${counts[c]}`).join(", "),
  );
  if (r.comparison) {
    println();
    println(`beat-by-beat against ${r.record}.${reference} (match window 150 ms, whole record):`);
    println(formatMatrix(r.comparison.matrix));
    println();
    println(formatStats(r.comparison.stats, true));
  }
}

/** Gross and average bxb figures over the records that had reference annotations. */
interface Pooled {
  compared: RecordResult[];
  matrix: number[][];
  gross: BxbStats;
  average: AverageStats;
}

function pooled(results: readonly RecordResult[]): Pooled | undefined {
  const compared = results.filter((r) => r.comparison !== undefined);
  if (compared.length === 0) return undefined;
  const matrix = sumMatrices(compared.map((r) => r.comparison!.matrix));
  return {
    compared,
    matrix,
    gross: bxbStats(matrix),
    average: averageStats(compared.map((r) => r.comparison!.stats)),
  };
}

function printMany(results: readonly RecordResult[], pool: Pooled | undefined): void {
  if (pool === undefined) {
    println("record  beats      N      S      V      F      Q  time s");
    for (const r of results) {
      const c = countsByName(r.result);
      println(
        `${r.record.padEnd(6)} ${String(r.result.count).padStart(6)} ` +
          CLASS_NAMES.map((k) => String(c[k]).padStart(6)).join(" ") +
          ` ${r.seconds.toFixed(2).padStart(7)}`,
      );
    }
    return;
  }
  println(
    formatRecordTable(
      pool.compared.map((r) => ({ record: r.record, stats: r.comparison!.stats, seconds: r.seconds })),
      pool.gross,
      pool.average,
      true,
    ),
  );
  println();
  println(`gross over ${pool.compared.length} records with reference annotations, match window 150 ms:`);
  println(formatMatrix(pool.matrix));
  println();
  println(formatStats(pool.gross, true));
}

function recordJson(r: RecordResult, given: boolean) {
  return {
    record: r.record,
    lead: r.lead,
    samplingFrequency: r.fs,
    beats: r.result.count,
    counts: countsByName(r.result),
    detected: !given,
    seconds: r.seconds,
    ...(r.output !== undefined ? { output: displayPath(r.output) } : {}),
    ...(r.comparison ? { comparison: { matrix: r.comparison.matrix, stats: r.comparison.stats } } : {}),
  };
}

export const command: Command = {
  name: "classify",
  summary: "every beat of a record, detected and labelled (N S V F Q)",
  usage: "classify --record PATH [--record PATH ...] --model FILE [--output CSV|ATR] [options]",
  options: {
    record: { type: "string", multiple: true },
    model: { type: "string" },
    output: { type: "string" },
    lead: { type: "string" },
    peaks: { type: "string" },
    reference: { type: "string" },
    device: { type: "string" },
    threads: { type: "string" },
    json: { type: "boolean" },
    ...LENIENT_OPTION,
  },
  optionHelp: {
    record: RECORDS_HELP,
    model: "a .safetensors checkpoint (e.g. models/compact-kaggle.safetensors)",
    output:
      "out.csv (sample,time,label,p_N..p_Q) or a WFDB annotation file (out.atr, or any other extension); " +
      `with several records it must contain ${RECORD_PLACEHOLDER}, e.g. out/${RECORD_PLACEHOLDER}.atr; ` +
      "never one of the files read (100.atr, 100.dat…), nor one file for two records",
    lead: "signal to use (default MLII, else V5)",
    peaks: "use these beat positions (CSV 'sample' column or annotation file) instead of detecting them",
    reference: "reference annotator to compare with when present (default atr; 'none' to skip)",
    device: "cpu or cuda (default cpu)",
    threads: "CPU threads for inference (default: all cores)",
    json: "print counts, timings and the comparison as JSON",
    ...LENIENT_HELP,
  },
  examples: [
    "ecg classify --record data/mitdb/100 --model models/compact-kaggle.safetensors --output 100.csv",
    "ecg classify --record data/mitdb/208 --model models/compact-kaggle.safetensors --output 208.atr",
    "ecg classify --record data/mitdb --model models/compact-kaggle.safetensors --output out/{record}.atr",
  ],
  async run(args) {
    const tStart = performance.now();
    const records = recordsOpt(args);
    const modelFile = requireString(args, "model");
    const output = stringOpt(args, "output");
    const reference = stringOpt(args, "reference") ?? "atr";
    const device = choiceOpt(args, "device", ["cpu", "cuda"] as const, "cpu");
    // All cores by default: on 2 cores the compact model classifies 3,400 beats/s with 2 threads
    // against 2,200 with 1 (ecg bench infer --batch 512), which is most of a record's time.
    const threads = numberOpt(args, "threads", os.availableParallelism(), { integer: true, min: 1 });
    const json = args.values["json"] === true;
    const peaksFile = stringOpt(args, "peaks");
    const lead = stringOpt(args, "lead");
    const annotations = annotationPolicy(args);
    if (records.length > 1 && peaksFile !== undefined) throw new UsageError("--peaks takes one record");
    if (records.length > 1 && output !== undefined && !output.includes(RECORD_PLACEHOLDER))
      throw new UsageError(`with several records, --output must contain ${RECORD_PLACEHOLDER}`);

    // Before any work: no output is a file read (a record's header, signals, reference annotations;
    // the model; the peaks), and no two records write one file.
    const inputs: GuardedInput[] = [
      ...records.flatMap((r) => recordFiles(r, ["atr", reference])),
      { file: modelFile, what: "the model" },
      ...(peaksFile !== undefined ? [{ file: peaksFile, what: "the --peaks file" }] : []),
    ];
    const outputs = records.flatMap((r) => {
      const file = outputFor(output, r);
      return file !== undefined ? [{ file, for: `record ${r}` }] : [];
    });
    guardOutputs(outputs, inputs);

    // The first record is read before the model so that a bad record fails fast, without the
    // half-second libtorch load.
    const first = readLead(records[0]!, lead);
    const { loadClassifier } = await import("../../models/classifier.js");
    const tLoad = performance.now();
    const classifier = loadClassifier(modelFile, { device, threads });
    const loadSeconds = (performance.now() - tLoad) / 1000;
    const results: RecordResult[] = [];
    const bar = new ProgressBar({ label: "classify", total: records.length, unit: "records" });
    try {
      checkClasses(classifier, modelFile);
      for (const [i, recordPath] of records.entries()) {
        const read = i === 0 ? first : readLead(recordPath, lead);
        try {
          results.push(
            classifyRecord({ recordPath, peaksFile, output, reference, annotations }, read, classifier),
          );
        } catch (e) {
          throw namingRecord(e, recordPath);
        }
        bar.tick(1);
      }
    } finally {
      bar.finish();
      classifier.dispose();
    }
    const given = peaksFile !== undefined;
    const totalSeconds = (performance.now() - tStart) / 1000;

    if (results.length === 1) {
      const r = results[0]!;
      if (json) {
        printJson({
          ...recordJson(r, given),
          seconds: { modelLoad: loadSeconds, detectAndClassify: r.seconds },
        });
        return;
      }
      printOne(r, given, reference);
      info(
        `${given ? "" : "detection + "}classification: ${r.seconds.toFixed(2)} s ` +
          `(model load ${loadSeconds.toFixed(2)} s, command ${totalSeconds.toFixed(2)} s)` +
          (r.output !== undefined ? ` → ${displayPath(r.output)}` : ""),
      );
      return;
    }

    const perRecord = results.map((r) => r.seconds);
    const timing = {
      modelLoad: loadSeconds,
      records: perRecord.reduce((a, b) => a + b, 0),
      medianRecord: median(perRecord),
      maxRecord: Math.max(...perRecord),
      command: totalSeconds,
    };
    const pool = pooled(results);
    if (json) {
      printJson({
        records: results.map((r) => recordJson(r, given)),
        ...(pool ? { gross: { matrix: pool.matrix, stats: pool.gross }, average: pool.average } : {}),
        seconds: timing,
      });
      return;
    }
    printMany(results, pool);
    const slowest = results.find((r) => r.seconds === timing.maxRecord)!;
    info(
      `${results.length} records, ${given ? "" : "detection + "}classification ${timing.records.toFixed(2)} s ` +
        `(median ${timing.medianRecord.toFixed(2)} s, slowest ${slowest.record} ${timing.maxRecord.toFixed(2)} s); ` +
        `model load ${loadSeconds.toFixed(2)} s, command ${totalSeconds.toFixed(2)} s`,
    );
  },
};
