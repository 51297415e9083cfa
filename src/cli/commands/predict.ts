// `ecg predict`: class probabilities for every beat of a CSV (187 values per row, or 188 with a label, ignored).
import { existsSync } from "node:fs";
import { writeFileOrFail } from "../../atomic-file.js";
import { loadBeatsFile } from "../../dataset/beats.js";
import { modelInput } from "../../dataset/rhythm-input.js";
import { UserError } from "../../errors.js";
import { guardOutputs } from "../../output-guard.js";
import { argmaxRows, BEAT_LENGTH } from "../../vocabulary.js";
import { requireString, stringOpt } from "../args.js";
import type { Command } from "../command.js";
import { classifierFrom, MODEL_OPTION_HELP, MODEL_OPTIONS } from "../model-options.js";
import { displayPath, info, printText } from "../output.js";
import { ProgressBar } from "../progress.js";

export const command: Command = {
  name: "predict",
  summary: "class probabilities for every beat of a CSV: index,label,p_N,p_S,p_V,p_F,p_Q",
  usage: "predict --model FILE --input CSV [--output CSV]",
  options: { ...MODEL_OPTIONS, input: { type: "string" }, output: { type: "string" } },
  optionHelp: {
    ...MODEL_OPTION_HELP,
    input: `beats, one per row: ${BEAT_LENGTH} values in [0, 1] (one more column, a label, is ignored)`,
    output: "where to write the CSV (default: stdout; never the input or the model)",
  },
  examples: [
    "ecg predict --model models/compact-kaggle.safetensors --input data/kaggle/mitbih_test.csv --output predictions.csv",
  ],
  async run(args) {
    const input = requireString(args, "input");
    if (!existsSync(input)) throw new UserError(`${displayPath(input)}: no such file`, input);
    const output = stringOpt(args, "output");
    const modelFile = requireString(args, "model");
    if (output !== undefined)
      guardOutputs(
        [{ file: output }],
        [
          { file: input, what: "the input beats" },
          { file: modelFile, what: "the model" },
        ],
      );
    const set = loadBeatsFile(input, { labels: "optional" });
    const classifier = classifierFrom(args);
    const bar = new ProgressBar({ label: "predict", total: set.count, unit: "beats" });
    try {
      const { beats, rhythm } = modelInput(set, classifier, modelFile, input);
      const probs = classifier.predictProba(beats, set.count, {
        ...(rhythm ? { rhythm } : {}),
        beatsSource: displayPath(input),
        onProgress: (done) => bar.update(done),
      });
      bar.finish();
      const k = classifier.classes.length;
      const labels = argmaxRows(probs, k);
      const lines = [`index,label,${classifier.classes.map((c) => `p_${c}`).join(",")}`];
      for (let i = 0; i < set.count; i++) {
        const p = Array.from(probs.subarray(i * k, (i + 1) * k), (v) => v.toFixed(6));
        lines.push(`${i},${classifier.classes[labels[i]!]},${p.join(",")}`);
      }
      const text = `${lines.join("\n")}\n`;
      if (output) {
        writeFileOrFail(output, text, "predictions");
        info(`${set.count} beats → ${displayPath(output)}`);
      } else printText(text);
    } finally {
      classifier.dispose();
    }
  },
};
