// `ecg classify`: every beat of one record or many (record/classify-records.ts), or of a recording as
// it goes on (--follow: record/follow-classify.ts); this file parses the options and prints.
import { performance } from "node:perf_hooks";
import { COMPUTE_OPTIONS, computeHelp } from "../../compute-options.js";
import { describeLead } from "../../dataset/read-lead.js";
import { unusableRate } from "../../dataset/usable-lead.js";
import { InterruptedError, UsageError } from "../../errors.js";
import { describeProtocol, protocolJson, type ScoringProtocol } from "../../eval/bxb-protocol.js";
import { formatMatrix, formatRecordTable, formatStats } from "../../eval/bxb-report.js";
import { listenForInterrupt } from "../../interrupt.js";
import { readerFor } from "../../io/read-record.js";
import { DEFAULT_MODEL, modelFileOrDefault } from "../../models/model-file.js";
import { guardOutputs } from "../../output-guard.js";
import { LABELLED_BEATS_HEADER, labelledBeatLine } from "../../record/beats-file.js";
import {
  type ClassifyRun,
  classifyRecords,
  RECORD_PLACEHOLDER,
  type RecordResult,
} from "../../record/classify-records.js";
import {
  SUMMARY_TABLE_HEADER,
  summaryJson,
  summaryLines,
  summaryRow,
} from "../../record/clinical-summary-format.js";
import { classifyFollow, growingRecord, textStream } from "../../record/follow-classify.js";
import { median } from "../../signal/median.js";
import { MAX_TEXT_LINE } from "../../signal/text-samples.js";
import { CLASS_NAMES, classCounts } from "../../vocabulary.js";
import {
  annotationPolicy,
  computeOpts,
  fsOpt,
  LEAD_HELP,
  LENIENT_HELP,
  LENIENT_OPTION,
  numberOpt,
  RECORDS_HELP,
  recordsOpt,
  stringOpt,
} from "../args.js";
import type { Command, ParsedArgs } from "../command.js";
import { displayPath, info, printJson, println } from "../output.js";
import { ProgressBar } from "../progress.js";
import { PROTOCOL_OPTION_HELP, PROTOCOL_OPTIONS, protocolFrom } from "../protocol-options.js";

function countsByName(r: RecordResult): Record<string, number> {
  const counts = classCounts(r.result.label);
  return Object.fromEntries(CLASS_NAMES.map((c, k) => [c, counts[k]!]));
}

/** The lead as an output names it (describeLead: the rule's last resort is said). */
function leadOf(r: RecordResult): string {
  return r.leadReason !== undefined ? describeLead({ lead: r.lead, reason: r.leadReason }) : r.lead;
}

function printOne(r: RecordResult, given: boolean, reference: string, protocol: ScoringProtocol): void {
  const counts = countsByName(r);
  println(
    `record ${r.record}: ${r.result.count} beats on ${leadOf(r)} (${given ? "given" : "detected"}): ` +
      CLASS_NAMES.map((c) => `${c} ${counts[c]}`).join(", "),
  );
  println();
  for (const line of summaryLines(r.summary)) println(line);
  if (r.comparison) {
    println();
    println(`beat-by-beat against ${r.record}.${reference} (${describeProtocol(protocol)}):`);
    println(formatMatrix(r.comparison.matrix));
    println();
    println(formatStats(r.comparison.stats, true));
  }
}

function printMany(run: ClassifyRun, protocol: ScoringProtocol): void {
  printCounts(run, protocol);
  println();
  println(
    "rhythm summary (heart rate: 60-s windows; couplets: 2 beats; runs: ≥ 3 beats; pauses: R-R > 2 s):",
  );
  println(SUMMARY_TABLE_HEADER);
  for (const r of run.results) println(summaryRow(r.record, r.summary));
}

function printCounts(run: ClassifyRun, protocol: ScoringProtocol): void {
  const pool = run.pooled;
  if (pool === undefined) {
    const width = Math.max(6, ...run.results.map((r) => r.record.length));
    const leadWidth = Math.max(4, ...run.results.map((r) => r.lead.length));
    println(
      `${"record".padEnd(width)} ${"lead".padEnd(leadWidth)}  beats      N      S      V      F      Q  time s`,
    );
    for (const r of run.results) {
      const c = countsByName(r);
      println(
        `${r.record.padEnd(width)} ${r.lead.padEnd(leadWidth)} ${String(r.result.count).padStart(6)} ` +
          CLASS_NAMES.map((k) => String(c[k]).padStart(6)).join(" ") +
          ` ${r.seconds.toFixed(2).padStart(7)}`,
      );
    }
    return;
  }
  println(
    formatRecordTable(
      run.compared.map((r) => ({
        record: r.record,
        lead: r.lead,
        stats: r.comparison!.stats,
        seconds: r.seconds,
      })),
      pool.gross,
      pool.average,
      true,
    ),
  );
  println();
  println(
    `gross over ${run.compared.length} records with reference annotations (${describeProtocol(protocol)}):`,
  );
  println(formatMatrix(pool.matrix));
  println();
  println(formatStats(pool.gross, true));
}

function recordJson(r: RecordResult, given: boolean) {
  return {
    record: r.record,
    lead: r.lead,
    ...(r.leadReason !== undefined ? { leadChoice: r.leadReason } : {}),
    samplingFrequency: r.fs,
    beats: r.result.count,
    counts: countsByName(r),
    detected: !given,
    seconds: r.seconds,
    ...(r.output !== undefined ? { output: displayPath(r.output) } : {}),
    ...(r.comparison ? { comparison: { matrix: r.comparison.matrix, stats: r.comparison.stats } } : {}),
    summary: summaryJson(r.summary),
  };
}

export const command: Command = {
  name: "classify",
  summary: "every beat of a record, detected and labelled (N S V F Q)",
  usage:
    "classify --record PATH [--record PATH ...] [--model FILE] [--output CSV|ATR] [options]\n" +
    "       ecg classify --follow --record PATH|- [--fs HZ [--column N]] [--model FILE] [options]",
  options: {
    record: { type: "string", multiple: true },
    model: { type: "string" },
    output: { type: "string" },
    lead: { type: "string" },
    peaks: { type: "string" },
    reference: { type: "string" },
    ...PROTOCOL_OPTIONS,
    follow: { type: "boolean" },
    fs: { type: "string" },
    column: { type: "string" },
    idle: { type: "string" },
    ...COMPUTE_OPTIONS,
    json: { type: "boolean" },
    ...LENIENT_OPTION,
  },
  optionHelp: {
    record: RECORDS_HELP,
    model: `a .safetensors checkpoint (default ${displayPath(DEFAULT_MODEL)}: the inter-patient model, for patients it has never seen)`,
    output:
      "out.csv (sample,time,label,p_N..p_Q) or a WFDB annotation file (out.atr, or any other extension); " +
      `with several records it must contain ${RECORD_PLACEHOLDER}, e.g. out/${RECORD_PLACEHOLDER}.atr; ` +
      "never one of the files read (100.atr, 100.dat…), nor one file for two records",
    lead: LEAD_HELP,
    peaks: "use these beat positions (CSV 'sample' column or annotation file) instead of detecting them",
    reference: "reference annotator to compare with when present (default atr; 'none' to skip)",
    ...PROTOCOL_OPTION_HELP,
    follow:
      "a recording still going on: --record PATH whose signal file (format 212 or 16, header first) grows, " +
      "or --record - for text samples on stdin (one lead, mV, one value a line; a table's column with --column) with --fs; beats are " +
      "printed as CSV lines as they are decided: a beat waits for its 10 s window, 1.5 s more and the " +
      "R peaks before the window's end (median 6.6 s, worst 14 s after its R peak); rhythm features are " +
      "the causal ones (the next R peak, or 6 s, ahead)",
    fs: "samples per second of a text record (x.csv, x.txt) without a time column, or of the samples on stdin (--follow --record -)",
    column:
      "with --follow --record -: read column N (1 = the first) of a table (time,mV or rdsamp's columns); " +
      "without it a line of several values is refused",
    idle: "with --follow on a record: seconds without growth that end it (default 10; the header's sample count ends it too)",
    ...computeHelp(),
    json: "print counts, timings, the rhythm summary and the comparison as JSON",
    ...LENIENT_HELP,
  },
  examples: [
    "ecg classify --record data/mitdb/100",
    "ecg classify --record data/mitdb/208 --model models/compact-kaggle.safetensors --output 208.atr",
    "ecg classify --record data/mitdb --output out/{record}.atr --whole-record",
    "ecg classify --record holter.edf --output holter-beats.csv",
    "ecg classify --record export.csv --fs 500 --lead 'ECG II'",
    "ecg classify --follow --record live/rec01 --output rec01.csv",
    "my-logger | ecg classify --follow --record - --fs 250",
    "tail -n +2 holter.csv | ecg classify --follow --record - --fs 250 --column 2",
  ],
  async run(args) {
    if (args.values["follow"] === true) return follow(args);
    const tStart = performance.now();
    const records = recordsOpt(args);
    const output = stringOpt(args, "output");
    const reference = stringOpt(args, "reference") ?? "atr";
    const protocol = protocolFrom(args);
    const json = args.values["json"] === true;
    const peaksFile = stringOpt(args, "peaks");
    if (args.values["idle"] !== undefined || args.values["column"] !== undefined)
      throw new UsageError("--column and --idle go with --follow");
    const fs = fsOpt(args);
    if (records.length > 1 && peaksFile !== undefined) throw new UsageError("--peaks takes one record");
    if (records.length > 1 && output !== undefined && !output.includes(RECORD_PLACEHOLDER))
      throw new UsageError(`with several records, --output must contain ${RECORD_PLACEHOLDER}`);
    const modelArg = stringOpt(args, "model");
    const bar = new ProgressBar({ label: "classify", total: records.length, unit: "records" });
    let run: ClassifyRun;
    try {
      run = await classifyRecords({
        records,
        ...(modelArg !== undefined ? { modelFile: modelArg } : {}),
        classifier: computeOpts(args),
        ...(stringOpt(args, "lead") !== undefined ? { lead: stringOpt(args, "lead")! } : {}),
        ...(fs !== undefined ? { fs } : {}),
        ...(peaksFile !== undefined ? { peaksFile } : {}),
        ...(output !== undefined ? { output } : {}),
        reference,
        protocol,
        annotations: annotationPolicy(args),
        onRecord: () => bar.tick(1),
      });
    } finally {
      bar.finish();
    }
    const given = peaksFile !== undefined;
    const totalSeconds = (performance.now() - tStart) / 1000;
    const loadSeconds = run.modelLoadSeconds;

    if (run.modelWarning !== undefined) info(run.modelWarning);
    if (run.results.length === 1) {
      const r = run.results[0]!;
      if (json) {
        printJson({
          ...recordJson(r, given),
          ...(r.comparison ? { protocol: protocolJson(protocol) } : {}),
          model: displayPath(run.modelFile),
          ...(run.modelWarning !== undefined ? { modelWarning: run.modelWarning } : {}),
          seconds: { modelLoad: loadSeconds, detectAndClassify: r.seconds },
        });
        return;
      }
      printOne(r, given, reference, protocol);
      info(
        `${given ? "" : "detection + "}classification: ${r.seconds.toFixed(2)} s ` +
          `(model ${displayPath(run.modelFile)} loaded in ${loadSeconds.toFixed(2)} s, command ${totalSeconds.toFixed(2)} s)` +
          (r.output !== undefined ? ` → ${displayPath(r.output)}` : ""),
      );
      return;
    }

    const perRecord = run.results.map((r) => r.seconds);
    const timing = {
      modelLoad: loadSeconds,
      records: perRecord.reduce((a, b) => a + b, 0),
      medianRecord: median(perRecord),
      maxRecord: Math.max(...perRecord),
      command: totalSeconds,
    };
    const pool = run.pooled;
    if (json) {
      printJson({
        records: run.results.map((r) => recordJson(r, given)),
        ...(pool
          ? {
              protocol: protocolJson(protocol),
              gross: { matrix: pool.matrix, stats: pool.gross },
              average: pool.average,
            }
          : {}),
        model: displayPath(run.modelFile),
        ...(run.modelWarning !== undefined ? { modelWarning: run.modelWarning } : {}),
        seconds: timing,
      });
      return;
    }
    printMany(run, protocol);
    const slowest = run.results.find((r) => r.seconds === timing.maxRecord)!;
    info(
      `${run.results.length} records, ${given ? "" : "detection + "}classification ${timing.records.toFixed(2)} s ` +
        `(median ${timing.medianRecord.toFixed(2)} s, slowest ${slowest.record} ${timing.maxRecord.toFixed(2)} s); ` +
        `model ${displayPath(run.modelFile)} loaded in ${loadSeconds.toFixed(2)} s, command ${totalSeconds.toFixed(2)} s`,
    );
  },
};

/** --follow: beats printed as CSV lines as they are decided; at the end, the summary (and comparison). */
async function follow(args: ParsedArgs): Promise<void> {
  const raw = args.values["record"];
  const given = (Array.isArray(raw) ? raw : []).filter((v): v is string => typeof v === "string");
  if (given.length !== 1)
    throw new UsageError("--follow takes one --record (a growing record, or - for stdin)");
  if (args.values["peaks"] !== undefined) throw new UsageError("--peaks does not go with --follow");
  const fromStdin = given[0] === "-";
  const fsArg = stringOpt(args, "fs");
  if (fromStdin && fsArg === undefined)
    throw new UsageError("--follow --record - needs --fs (the samples' rate in Hz)");
  if (!fromStdin && fsArg !== undefined)
    throw new UsageError("--fs is for --record -; a record's header gives its rate");
  if (!fromStdin && args.values["column"] !== undefined)
    throw new UsageError(
      "--column is for --record - (a table on stdin); a record's lead is chosen with --lead",
    );
  if (fromStdin && args.values["lead"] !== undefined)
    throw new UsageError("--lead is for a record; a column of a table on stdin is chosen with --column");
  if (fromStdin && args.values["idle"] !== undefined)
    throw new UsageError("--idle is for a growing record; stdin ends at its end");
  const json = args.values["json"] === true;
  const output = stringOpt(args, "output");
  const reference = stringOpt(args, "reference") ?? "atr";
  const protocol = protocolFrom(args);
  const recordPath = given[0]!.replace(/\.(hea|dat)$/i, "");
  if (!fromStdin && readerFor(recordPath).format !== "wfdb")
    throw new UsageError(
      `--follow reads a growing WFDB record (format 212 or 16) or text samples on stdin (--record -); ${displayPath(recordPath)} is read whole without --follow`,
    );
  const fs = numberOpt(args, "fs", 0);
  const badRate = fromStdin ? unusableRate(fs) : undefined;
  if (badRate !== undefined) throw new UsageError(`--fs ${fsArg}: ${badRate}`);
  const column =
    args.values["column"] !== undefined
      ? numberOpt(args, "column", 1, { integer: true, min: 1, max: MAX_TEXT_LINE })
      : undefined;
  const stop = listenForInterrupt();
  const source = fromStdin
    ? textStream(process.stdin, fs, "stdin", column !== undefined ? { column } : {})
    : growingRecord(recordPath, stringOpt(args, "lead"), {
        idleSeconds: numberOpt(args, "idle", 10, { min: 0 }),
        abort: stop.signal,
      });
  // Refused now, before a recording is waited for.
  const modelFile = modelFileOrDefault(stringOpt(args, "model"));
  if (output !== undefined) {
    // The record may not be written yet: its files by name (the header, the signal, annotations).
    const record = fromStdin
      ? []
      : [".hea", ".dat", ".atr", `.${reference}`].map((ext) => ({
          file: `${recordPath}${ext}`,
          what: `a file of record ${recordPath}`,
        }));
    guardOutputs([{ file: output }], [...record, { file: modelFile, what: "the model" }]);
  }
  // Said at the start in a terminal only (the summary at the end names the lead too): a refusal
  // later must stay one line.
  if (source.leadReason !== undefined && process.stderr.isTTY)
    info(
      `${source.name}: following lead ${describeLead({ lead: source.lead, reason: source.leadReason })} at ${source.fs} Hz`,
    );
  if (!json) println(LABELLED_BEATS_HEADER);
  let done: Awaited<ReturnType<typeof classifyFollow>>;
  try {
    done = await classifyFollow(source, {
      modelFile,
      classifier: computeOpts(args),
      ...(output !== undefined ? { output } : {}),
      reference,
      protocol,
      abort: stop.signal,
      onBeat: (b) => {
        if (!json) println(labelledBeatLine(b.sample, source.fs, b.label, b.proba));
      },
    });
  } finally {
    stop.close();
    // Stopped mid-stream, stdin may still be open (its writer ignored the Ctrl-C): let it go.
    if (fromStdin) process.stdin.destroy();
  }
  const r = done.record;
  if (done.modelWarning !== undefined) info(done.modelWarning);
  if (json) {
    printJson({
      ...recordJson(r, false),
      ...(r.comparison ? { protocol: protocolJson(protocol) } : {}),
      ...(done.modelWarning !== undefined ? { modelWarning: done.modelWarning } : {}),
      seconds: { modelLoad: done.modelLoadSeconds, stream: r.seconds },
    });
  } else {
    const counts = countsByName(r);
    info(
      `${r.record}: ${r.result.count} beats on ${leadOf(r)}: ${CLASS_NAMES.map((c) => `${c} ${counts[c]}`).join(", ")}` +
        (r.output !== undefined ? ` → ${displayPath(r.output)}` : ""),
    );
    for (const line of summaryLines(r.summary)) info(line);
    if (r.comparison) {
      info(`beat-by-beat against ${r.record}.${reference} (${describeProtocol(protocol)}):`);
      info(formatStats(r.comparison.stats, true));
    }
  }
  // Ctrl-C ended the recording: the beats so far are out; exit as an interrupted command does (130).
  if (stop.requested) throw new InterruptedError("interrupted; the beats so far are printed");
}
