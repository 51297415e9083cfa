// `ecg eval`: scores a model on a labelled heartbeat CSV (Kaggle format) or a dataset directory's test side.
import { existsSync, statSync } from "node:fs";
import { loadBeatsFile, loadSplit, splitFile } from "../../dataset/beats.js";
import { modelInput } from "../../dataset/rhythm-input.js";
import { evaluateClassifier } from "../../eval/evaluate.js";
import { formatReport } from "../../eval/metrics.js";
import { boolOpt, requireString } from "../args.js";
import type { Command } from "../command.js";
import { UserError } from "../errors.js";
import { classifierFrom, MODEL_OPTION_HELP, MODEL_OPTIONS } from "../model-options.js";
import { displayPath, printJson, println } from "../output.js";
import { ProgressBar } from "../progress.js";

export const command: Command = {
  name: "eval",
  summary: "accuracy, macro-F1, per-class Se/Sp/+P/F1 and the confusion matrix of a model on labelled beats",
  usage: "eval --model FILE --data CSV|DIR [--json]",
  options: { ...MODEL_OPTIONS, data: { type: "string" }, json: { type: "boolean" } },
  optionHelp: {
    ...MODEL_OPTION_HELP,
    data: "labelled beats: a Kaggle-format CSV, or a dataset directory (its mitbih_test.csv)",
    json: "one JSON document on stdout",
  },
  examples: [
    "ecg eval --model models/compact-kaggle.safetensors --data data/kaggle/mitbih_test.csv",
    "ecg eval --model models/compact-interpatient.safetensors --data data/interpatient --json",
  ],
  async run(args) {
    const data = requireString(args, "data");
    if (!existsSync(data)) throw new UserError(`${displayPath(data)}: no such file or directory`, data);
    const isDir = statSync(data).isDirectory();
    const set = isDir ? loadSplit(data, "test") : loadBeatsFile(data, { labels: "required" });
    const classifier = classifierFrom(args);
    try {
      const modelFile = String(args.values["model"]);
      const input = modelInput(set, classifier, modelFile, isDir ? splitFile(data, "test") : data);
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
