// `ecg compare`: beat-by-beat comparison with the reference annotations (AAMI EC57, as bxb does;
// record/compare-records.ts); this file parses the options and prints.

import { describeLead } from "../../dataset/read-lead.js";
import { UsageError } from "../../errors.js";
import { NONE } from "../../eval/bxb.js";
import { describeProtocol, protocolJson } from "../../eval/bxb-protocol.js";
import { formatMatrix, formatRecordTable, formatStats } from "../../eval/bxb-report.js";
import { compareRecords, type TestBeats } from "../../record/compare-records.js";
import { CLASS_NAMES } from "../../vocabulary.js";
import {
  annotationPolicy,
  FS_HELP,
  FS_OPTION,
  fsOpt,
  LEAD_HELP,
  LENIENT_HELP,
  LENIENT_OPTION,
  RECORDS_HELP,
  recordsOpt,
  stringOpt,
} from "../args.js";
import type { Command } from "../command.js";
import { info, printJson, println } from "../output.js";
import { ProgressBar } from "../progress.js";
import { PROTOCOL_OPTION_HELP, PROTOCOL_OPTIONS, protocolFrom } from "../protocol-options.js";

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
    ...FS_OPTION,
    reference: { type: "string" },
    ...PROTOCOL_OPTIONS,
    json: { type: "boolean" },
    ...LENIENT_OPTION,
  },
  optionHelp: {
    record: RECORDS_HELP,
    test: "test beats: a CSV with a 'sample' (and 'label') column, or a WFDB annotation file (one record only)",
    "test-annotator":
      "test annotation file extension, read as PATH.EXT for each record (like bxb -a atr EXT)",
    detect: "compare the built-in QRS detector (Pan-Tompkins) instead of a test file",
    lead: `with --detect: ${LEAD_HELP}`,
    ...FS_HELP,
    reference: "reference annotator extension (default atr)",
    ...PROTOCOL_OPTION_HELP,
    json: "print the results as JSON",
    ...LENIENT_HELP,
  },
  examples: [
    "ecg compare --record data/mitdb/100 --test peaks.csv",
    "ecg compare --record data/mitdb/100 --test out.atr --whole-record",
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
    const fs = fsOpt(args);
    if ((lead !== undefined || fs !== undefined) && !detect)
      throw new UsageError(
        "--lead and --fs go with --detect (test beats from a file are samples of the record's own rate)",
      );
    const test: TestBeats =
      testFile !== undefined
        ? { file: testFile }
        : testAnnotator !== undefined
          ? { annotator: testAnnotator }
          : { detect: true, ...(lead !== undefined ? { lead } : {}), ...(fs !== undefined ? { fs } : {}) };
    const reference = stringOpt(args, "reference") ?? "atr";
    const protocol = protocolFrom(args);
    const json = args.values["json"] === true;
    const annotations = annotationPolicy(args);

    const bar = new ProgressBar({ label: "compare", total: records.length, unit: "records" });
    let run: ReturnType<typeof compareRecords>;
    try {
      run = compareRecords({
        records,
        test,
        reference,
        protocol,
        annotations,
        onRecord: () => bar.tick(1),
      });
    } finally {
      bar.finish();
    }
    const { results, classified, gross } = run;
    if (json) {
      printJson({
        protocol: protocolJson(protocol),
        reference,
        classified,
        records: results.map((r) => ({
          record: r.record,
          ...(r.lead !== undefined ? { lead: r.lead.name, leadChoice: r.lead.reason } : {}),
          referenceBeats: r.referenceCount,
          excludedTestBeats: r.excludedTest,
          matrix: r.matrix,
          stats: r.stats,
        })),
        gross: { matrix: run.matrix, stats: gross },
        average: run.average,
        ...(run.detectSeconds !== undefined ? { detectSeconds: run.detectSeconds } : {}),
      });
      return;
    }
    if (results.length === 1) {
      const r = results[0]!;
      println(
        `record ${r.record}: ${r.referenceCount} reference beats${r.lead !== undefined ? `; detected on ${describeLead({ lead: r.lead.name, reason: r.lead.reason })}` : ""}; ${describeProtocol(protocol)}`,
      );
    } else {
      println(
        formatRecordTable(
          results.map((r) => ({
            record: r.record,
            ...(r.lead !== undefined ? { lead: r.lead.name } : {}),
            stats: r.stats,
          })),
          gross,
          run.average,
          classified,
        ),
      );
      println();
      println(`gross over ${results.length} records (${describeProtocol(protocol)}):`);
    }
    if (classified) {
      println(formatMatrix(run.matrix));
      println();
    } else {
      const missed = CLASS_NAMES.map((c, k) => `${c} ${run.matrix[k]![NONE]}`).join(", ");
      println(`missed reference beats by class: ${missed}; extra test beats: ${gross.qrs.fp}`);
    }
    println(formatStats(gross, classified));
    const excluded = results.reduce((a, r) => a + r.excludedTest, 0);
    if (excluded > 0)
      info(`(${excluded} test beats inside reference VF episodes were not counted, as bxb does)`);
    if (run.detectSeconds !== undefined)
      info(`detection: ${run.detectSeconds.toFixed(2)} s for ${results.length} record(s)`);
  },
};
