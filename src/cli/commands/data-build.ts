// `ecg data build`: MIT-BIH records → mitbih_train.csv / mitbih_test.csv (Kaggle format), the index of
// where each row came from (mitbih_index.csv), a summary (mitbih_dataset.json) and the binary caches.
import path from "node:path";

import { buildDataset, DEFAULT_SEED, type SplitKind } from "../../dataset/build.js";
import { CLASS_NAMES } from "../../vocabulary.js";
import {
  annotationPolicy,
  choiceOpt,
  LENIENT_HELP,
  LENIENT_OPTION,
  numberOpt,
  requireString,
} from "../args.js";
import type { Command } from "../command.js";
import { displayPath, info, printJson, println } from "../output.js";
import { ProgressBar } from "../progress.js";

export const command: Command = {
  name: "data build",
  summary: "records to mitbih_train.csv, mitbih_test.csv (Kaggle format) + index + cache",
  usage: "data build --mitdb DIR --out DIR [--split kaggle|interpatient] [--seed N] [--json]",
  options: {
    mitdb: { type: "string" },
    out: { type: "string" },
    split: { type: "string" },
    seed: { type: "string" },
    json: { type: "boolean" },
    ...LENIENT_OPTION,
  },
  optionHelp: {
    mitdb: "the MIT-BIH Arrhythmia Database directory (NNN.hea/.dat/.atr)",
    out: "where the dataset goes (created if needed)",
    split: "kaggle: stratified 80/20 over all beats (default); interpatient: DS1 → train, DS2 → test",
    seed: `seed of the kaggle split (default ${DEFAULT_SEED})`,
    json: "print the summary as JSON",
    ...LENIENT_HELP,
  },
  examples: [
    "ecg data build --mitdb data/mitdb --out data/kaggle",
    "ecg data build --mitdb data/mitdb --out data/interpatient --split interpatient",
  ],
  async run(args) {
    const mitdbDir = path.resolve(requireString(args, "mitdb"));
    const outDir = path.resolve(requireString(args, "out"));
    const split = choiceOpt<SplitKind>(args, "split", ["kaggle", "interpatient"], "kaggle");
    const seed = numberOpt(args, "seed", DEFAULT_SEED, { integer: true, min: 0, max: 2 ** 32 - 1 });
    const start = performance.now();
    let bar: ProgressBar | undefined;
    const result = buildDataset({
      mitdbDir,
      outDir,
      split,
      seed,
      annotations: annotationPolicy(args),
      onRecord: (record, done, total) => {
        bar ??= new ProgressBar({ label: "records", total, unit: "records" });
        bar.update(done, record);
      },
    });
    bar?.finish();
    const seconds = (performance.now() - start) / 1000;
    if (args.values["json"] === true) {
      printJson({ ...result, files: result.files.map(displayPath), seconds: Number(seconds.toFixed(2)) });
      return;
    }
    const fmt = (n: number): string => n.toLocaleString("en-US");
    println(
      `${split} split${split === "kaggle" ? ` (seed ${seed})` : ""} from ${result.records.length} records → ${displayPath(outDir)}`,
    );
    println(`  class ${"train".padStart(9)} ${"test".padStart(9)}`);
    CLASS_NAMES.forEach((name, k) => {
      println(
        `  ${name.padEnd(5)} ${fmt(result.train.classes[k]!).padStart(9)} ${fmt(result.test.classes[k]!).padStart(9)}`,
      );
    });
    println(`  all   ${fmt(result.train.count).padStart(9)} ${fmt(result.test.count).padStart(9)}`);
    // The lead each record's beats were cut from (the lead rule: dataset/lead-rule.ts).
    const byLead = new Map<string, string[]>();
    for (const r of result.records) byLead.set(r.lead, [...(byLead.get(r.lead) ?? []), r.record]);
    const leads = [...byLead].map(([lead, records]) =>
      records.length <= 4 ? `${lead} (${records.join(", ")})` : `${lead} (${records.length} records)`,
    );
    println(`  leads: ${leads.join(", ")}`);
    for (const f of result.files) println(`  wrote ${displayPath(f)}`);
    info(`built in ${seconds.toFixed(1)} s`);
  },
};
