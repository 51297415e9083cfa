// `ecg detect`: R peaks of one lead of a record (WFDB, EDF or text; the lead rule: dataset/lead-rule.ts) (Pan & Tompkins 1985; see src/qrs/pan-tompkins.ts).
import { performance } from "node:perf_hooks";
import { describeLead, readLead } from "../../dataset/read-lead.js";
import { checkBeatRate } from "../../dataset/usable-lead.js";
import { recordFiles } from "../../io/read-record.js";
import { guardOutputs } from "../../output-guard.js";
import { detectQrs } from "../../qrs/detect.js";
import { PAN_TOMPKINS_DEFAULTS } from "../../qrs/pan-tompkins.js";
import { beatsCsv, writeTextAtomic } from "../../record/beats-file.js";
import { FS_HELP, FS_OPTION, fsOpt, LEAD_HELP, recordOpt, stringOpt } from "../args.js";
import type { Command } from "../command.js";
import { displayPath, info, printJson, printText } from "../output.js";

export const command: Command = {
  name: "detect",
  summary: "R-peak detection on one lead of a record (WFDB, EDF, CSV; Pan-Tompkins)",
  usage: "detect --record PATH [--lead L] [--fs HZ] [--output CSV] [--json]",
  options: {
    record: { type: "string" },
    lead: { type: "string" },
    ...FS_OPTION,
    output: { type: "string" },
    json: { type: "boolean" },
  },
  optionHelp: {
    record:
      "record: a WFDB record (data/mitdb/100, or 100.hea, 100.dat), an EDF file (x.edf) or a text file (x.csv, x.txt)",
    lead: LEAD_HELP,
    ...FS_HELP,
    output:
      "CSV file to write (header 'sample'; never one of the record's files); without it the CSV goes to stdout",
    json: "print the result (peaks included) as JSON",
  },
  examples: [
    "ecg detect --record data/mitdb/100 --output peaks.csv",
    "ecg detect --record data/mitdb/114 --lead V5",
    "ecg detect --record holter.edf --lead 'ECG II'",
    "ecg detect --record export.csv --fs 250 --lead 1",
  ],
  async run(args) {
    const recordPath = recordOpt(args);
    const output = stringOpt(args, "output");
    if (output !== undefined) guardOutputs([{ file: output }], recordFiles(recordPath, ["atr"]));
    const fs = fsOpt(args);
    const lead = readLead(recordPath, {
      ...(stringOpt(args, "lead") !== undefined ? { lead: stringOpt(args, "lead")! } : {}),
      ...(fs !== undefined ? { fs } : {}),
      minSeconds: PAN_TOMPKINS_DEFAULTS.learningMs / 1000,
      usable: true,
    });
    const t0 = performance.now();
    const peaks = detectQrs(lead.signal, lead.fs);
    const seconds = (performance.now() - t0) / 1000;
    checkBeatRate(peaks, lead.fs, { record: lead.name, lead: lead.lead, file: lead.record.file });
    const csv = beatsCsv({ sample: peaks }, lead.fs);
    if (output !== undefined) writeTextAtomic(output, csv);
    if (args.values["json"] === true) {
      printJson({
        record: lead.name,
        lead: lead.lead,
        leadChoice: lead.reason,
        samplingFrequency: lead.fs,
        count: peaks.length,
        seconds,
        ...(output !== undefined ? { output: displayPath(output) } : {}),
        samples: Array.from(peaks),
      });
      return;
    }
    if (output === undefined) printText(csv);
    info(
      `record ${lead.name}: ${peaks.length} R peaks on ${describeLead(lead)} in ${seconds.toFixed(2)} s` +
        (output !== undefined ? ` → ${displayPath(output)}` : ""),
    );
  },
};
