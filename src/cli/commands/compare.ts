// `ecg compare`: beat-by-beat comparison with the reference annotations (AAMI EC38/EC57, as bxb).
import { performance } from "node:perf_hooks";
import type { BeatSeries } from "../../eval/bxb.js";
import { averageStats, bxbStats, NONE, sumMatrices } from "../../eval/bxb.js";
import { formatMatrix, formatRecordTable, formatStats } from "../../eval/bxb-report.js";
import { detectQrs } from "../../qrs/detect.js";
import { readTestBeats } from "../../record/beats-file.js";
import { compareWithReference, type RecordComparison } from "../../record/compare-record.js";
import { loadLead } from "../../record/lead.js";
import { CLASS_NAMES } from "../../vocabulary.js";
import { readHeader } from "../../wfdb/header.js";
import {
  annotationPolicy,
  LENIENT_HELP,
  LENIENT_OPTION,
  numberOpt,
  RECORDS_HELP,
  recordsOpt,
  stringOpt,
} from "../args.js";
import type { Command } from "../command.js";
import { UsageError } from "../errors.js";
import { info, printJson, println } from "../output.js";
import { ProgressBar } from "../progress.js";

export const command: Command = {
  name: "compare",
  summary: "beat-by-beat AAMI comparison with the reference annotations",
  usage: "compare --record PATH (--test FILE | --test-annotator EXT | --detect) [options]",
  options: {
    record: { type: "string", multiple: true },
    test: { type: "string" },
    "test-annotator": { type: "string" },
    detect: { type: "boolean" },
    lead: { type: "string" },
    reference: { type: "string" },
    start: { type: "string" },
    window: { type: "string" },
    json: { type: "boolean" },
    ...LENIENT_OPTION,
  },
  optionHelp: {
    record: RECORDS_HELP,
    test: "test beats: a CSV with a 'sample' (and 'label') column, or a WFDB annotation file (one record only)",
    "test-annotator":
      "test annotation file extension, read as PATH.EXT for each record (like bxb -a atr EXT)",
    detect: "compare the built-in QRS detector (Pan-Tompkins) instead of a test file",
    lead: "lead for --detect (default MLII, else V5)",
    reference: "reference annotator extension (default atr)",
    start: "start of the comparison in seconds (default 0; EC38's learning period is 300)",
    window: "match window in ms (default 150)",
    json: "print the results as JSON",
    ...LENIENT_HELP,
  },
  examples: [
    "ecg compare --record data/mitdb/100 --test peaks.csv",
    "ecg compare --record data/mitdb/100 --test out.atr",
    "ecg compare --record data/mitdb --detect          # the per-record table over every record",
  ],
  async run(args) {
    const records = recordsOpt(args);
    const testFile = stringOpt(args, "test");
    const testAnnotator = stringOpt(args, "test-annotator");
    const detect = args.values["detect"] === true;
    if ([testFile !== undefined, testAnnotator !== undefined, detect].filter(Boolean).length !== 1) {
      throw new UsageError("give exactly one of --test, --test-annotator and --detect");
    }
    if (testFile !== undefined && records.length > 1)
      throw new UsageError("--test takes one record; use --test-annotator for several");
    const lead = stringOpt(args, "lead");
    const reference = stringOpt(args, "reference") ?? "atr";
    const startSeconds = numberOpt(args, "start", 0, { min: 0 });
    const matchWindowMs = numberOpt(args, "window", 150, { min: 1 });
    const json = args.values["json"] === true;
    const annotations = annotationPolicy(args);

    const results: RecordComparison[] = [];
    const bar = new ProgressBar({ label: "compare", total: records.length, unit: "records" });
    let detectSeconds = 0;
    for (const recordPath of records) {
      let test: BeatSeries;
      let fs: number;
      let signalLength: number | undefined;
      if (detect) {
        const l = loadLead(recordPath, { lead, minSeconds: 2, usable: true });
        fs = l.fs;
        signalLength = l.signal.length;
        const t0 = performance.now();
        test = { samples: detectQrs(l.signal, l.fs) };
        detectSeconds += (performance.now() - t0) / 1000;
      } else {
        const header = readHeader(recordPath);
        fs = header.samplingFrequency;
        if (header.nSamples > 0) signalLength = header.nSamples;
        test = readTestBeats(testFile ?? `${recordPath}.${testAnnotator}`, annotations);
      }
      results.push(
        compareWithReference(recordPath, test, {
          fs,
          reference,
          matchWindowMs,
          startSeconds,
          annotations,
          ...(signalLength !== undefined ? { signalLength } : {}),
        }),
      );
      bar.tick(1);
    }
    bar.finish();

    const classified = results.every((r) => r.classified);
    const grossMatrix = sumMatrices(results.map((r) => r.matrix));
    const gross = bxbStats(grossMatrix);
    const average = averageStats(results.map((r) => r.stats));
    if (json) {
      printJson({
        matchWindowMs,
        startSeconds,
        reference,
        excluded: "test beats inside reference ventricular flutter/fibrillation episodes ([ ... ])",
        classified,
        records: results.map((r) => ({
          record: r.record,
          referenceBeats: r.referenceCount,
          excludedTestBeats: r.excludedTest,
          matrix: r.matrix,
          stats: r.stats,
        })),
        gross: { matrix: grossMatrix, stats: gross },
        average,
        ...(detect ? { detectSeconds } : {}),
      });
      return;
    }
    if (results.length === 1) {
      const r = results[0]!;
      println(
        `record ${r.record}: ${r.referenceCount} reference beats, match window ${matchWindowMs} ms, from ${startSeconds} s`,
      );
    } else {
      println(
        formatRecordTable(
          results.map((r) => ({ record: r.record, stats: r.stats })),
          gross,
          average,
          classified,
        ),
      );
      println();
      println(
        `gross over ${results.length} records, match window ${matchWindowMs} ms, from ${startSeconds} s:`,
      );
    }
    if (classified) {
      println(formatMatrix(grossMatrix));
      println();
    } else {
      const missed = CLASS_NAMES.map((c, k) => `${c} ${grossMatrix[k]![NONE]}`).join(", ");
      println(`missed reference beats by class: ${missed}; extra test beats: ${gross.qrs.fp}`);
    }
    println(formatStats(gross, classified));
    const excluded = results.reduce((a, r) => a + r.excludedTest, 0);
    if (excluded > 0)
      info(`(${excluded} test beats inside reference VF episodes were not counted, as bxb does)`);
    if (detect) info(`detection: ${detectSeconds.toFixed(2)} s for ${results.length} record(s)`);
  },
};
