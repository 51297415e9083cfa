// `ecg detect`: R peaks of one lead of a WFDB record (Pan & Tompkins 1985; see src/qrs/pan-tompkins.ts).
import { performance } from "node:perf_hooks";
import { checkBeatRate } from "../../dataset/usable-lead.js";
import { guardOutputs } from "../../output-guard.js";
import { detectQrs } from "../../qrs/detect.js";
import { PAN_TOMPKINS_DEFAULTS } from "../../qrs/pan-tompkins.js";
import { beatsCsv, writeTextAtomic } from "../../record/beats-file.js";
import { loadLead } from "../../record/lead.js";
import { recordFiles } from "../../wfdb/record.js";
import { recordOpt, stringOpt } from "../args.js";
import type { Command } from "../command.js";
import { displayPath, info, printJson, printText } from "../output.js";

export const command: Command = {
  name: "detect",
  summary: "R-peak detection on one lead of a WFDB record (Pan-Tompkins)",
  usage: "detect --record PATH [--lead L] [--output CSV] [--json]",
  options: {
    record: { type: "string" },
    lead: { type: "string" },
    output: { type: "string" },
    json: { type: "boolean" },
  },
  optionHelp: {
    record: "record path, e.g. data/mitdb/100 (or 100.hea, 100.dat)",
    lead: "signal to use, by its description (default MLII, else V5)",
    output:
      "CSV file to write (header 'sample'; never one of the record's files); without it the CSV goes to stdout",
    json: "print the result (peaks included) as JSON",
  },
  examples: [
    "ecg detect --record data/mitdb/100 --output peaks.csv",
    "ecg detect --record data/mitdb/114 --lead V5",
  ],
  async run(args) {
    const recordPath = recordOpt(args);
    const output = stringOpt(args, "output");
    if (output !== undefined) guardOutputs([{ file: output }], recordFiles(recordPath, ["atr"]));
    const lead = loadLead(recordPath, {
      lead: stringOpt(args, "lead"),
      minSeconds: PAN_TOMPKINS_DEFAULTS.learningMs / 1000,
      usable: true,
    });
    const t0 = performance.now();
    const peaks = detectQrs(lead.signal, lead.fs);
    const seconds = (performance.now() - t0) / 1000;
    checkBeatRate(peaks, lead.fs, { record: lead.name, lead: lead.lead, file: lead.header.file });
    const csv = beatsCsv({ sample: peaks }, lead.fs);
    if (output !== undefined) writeTextAtomic(output, csv);
    if (args.values["json"] === true) {
      printJson({
        record: lead.name,
        lead: lead.lead,
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
      `record ${lead.name}: ${peaks.length} R peaks on ${lead.lead} in ${seconds.toFixed(2)} s` +
        (output !== undefined ? ` → ${displayPath(output)}` : ""),
    );
  },
};
