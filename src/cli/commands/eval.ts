// `ecg eval`: scores a model on a labelled heartbeat CSV (Kaggle format) or a dataset directory's test side.
import { existsSync, statSync } from "node:fs";
import { loadBeatsFile, loadSplit, selectBeats, splitFile } from "../../dataset/beats.js";
import type { BeatSet } from "../../dataset/beats-csv.js";
import { SIDES, type Side } from "../../dataset/dataset-dir.js";
import { modelInput } from "../../dataset/rhythm-input.js";
import { UsageError, UserError } from "../../errors.js";
import { evaluateClassifier } from "../../eval/evaluate.js";
import { formatReport } from "../../eval/metrics.js";
import { boolOpt, choiceOpt, requireString, stringOpt } from "../args.js";
import type { Command } from "../command.js";
import { classifierFrom, MODEL_OPTION_HELP, MODEL_OPTIONS } from "../model-options.js";
import { displayPath, printJson, println } from "../output.js";
import { ProgressBar } from "../progress.js";

export const command: Command = {
  name: "eval",
  summary: "accuracy, macro-F1, per-class Se/Sp/+P/F1 and the confusion matrix of a model on labelled beats",
  usage: "eval --model FILE --data CSV|DIR [--side train|test] [--records LIST] [--json]",
  options: {
    ...MODEL_OPTIONS,
    data: { type: "string" },
    side: { type: "string" },
    records: { type: "string" },
    json: { type: "boolean" },
  },
  optionHelp: {
    ...MODEL_OPTION_HELP,
    data: "labelled beats: a Kaggle-format CSV, or a dataset directory (its mitbih_test.csv)",
    side: "with a dataset directory: which side to score, train or test (default test)",
    records: "with a dataset directory: only these records' beats, e.g. 114,124,220,223 (a held-out fold)",
    json: "one JSON document on stdout",
  },
  examples: [
    "ecg eval --model models/compact-kaggle.safetensors --data data/kaggle/mitbih_test.csv",
    "ecg eval --model models/compact-interpatient.safetensors --data data/interpatient --json",
    "ecg eval --model runs/fold-a/best.safetensors --data data/interpatient --side train --records 114,124,220,223",
  ],
  async run(args) {
    const data = requireString(args, "data");
    if (!existsSync(data)) throw new UserError(`${displayPath(data)}: no such file or directory`, data);
    const isDir = statSync(data).isDirectory();
    const side = choiceOpt<Side>(args, "side", SIDES, "test");
    const records = stringOpt(args, "records")
      ?.split(",")
      .map((r) => r.trim());
    if (!isDir && (args.values["side"] !== undefined || records !== undefined))
      throw new UsageError("--side and --records take a dataset directory as --data");
    const file = isDir ? splitFile(data, side) : data;
    const whole = isDir ? loadSplit(data, side) : loadBeatsFile(data, { labels: "required" });
    const set = records === undefined ? whole : recordsOf(whole, records, file);
    const classifier = classifierFrom(args);
    try {
      const modelFile = String(args.values["model"]);
      const input = modelInput(set, classifier, modelFile, file);
      const bar = new ProgressBar({ label: "eval", total: set.count, unit: "beats" });
      const { report } = evaluateClassifier(classifier, set, {
        ...input,
        beatsSource: displayPath(data),
        onProgress: (done) => bar.update(done),
      });
      bar.finish();
      if (boolOpt(args, "json")) printJson(report);
      else {
        println(`${displayPath(data)} with ${displayPath(String(args.values["model"]))}`);
        println(formatReport(report));
      }
    } finally {
      classifier.dispose();
    }
  },
};

/** The beats of whole records (a held-out fold), refused in one line when the side lacks one of them. */
function recordsOf(set: BeatSet, records: readonly string[], file: string): BeatSet {
  const of = set.records;
  if (of === undefined)
    throw new UserError(`${displayPath(file)}: no record beside these beats to select by`, file);
  const present = new Set(of);
  const absent = records.filter((r) => !present.has(r));
  if (absent.length > 0)
    throw new UserError(`${displayPath(file)}: no beats of record ${absent.join(", ")}`, file);
  const wanted = new Set(records);
  const rows: number[] = [];
  of.forEach((r, i) => {
    if (wanted.has(r)) rows.push(i);
  });
  return selectBeats(set, rows);
}
