// `ecg classify`: every beat of a record detected (or given), cut by the Kachuee pipeline and
// labelled by a model; CSV or WFDB annotation output; the bxb comparison when a reference exists.
import { performance } from "node:perf_hooks";
import { CLASS_NAMES } from "../../dataset/beats.js";
import { WINDOW_SECONDS } from "../../dataset/kachuee.js";
import { formatMatrix, formatStats } from "../../eval/bxb-report.js";
import { beatAnnotations } from "../../record/annotations-out.js";
import { beatsCsv, readTestBeats, writeTextAtomic } from "../../record/beats-file.js";
import { checkClasses, classifySignal } from "../../record/classify.js";
import { compareWithReference, hasReference } from "../../record/compare-record.js";
import { loadLead } from "../../record/lead.js";
import { writeAnnotations } from "../../wfdb/annotation.js";
import { choiceOpt, numberOpt, requireString, stringOpt } from "../args.js";
import type { Command } from "../command.js";
import { UserError } from "../errors.js";
import { displayPath, info, printJson, println } from "../output.js";

export const command: Command = {
  name: "classify",
  summary: "every beat of a record, detected and labelled (N S V F Q)",
  usage: "classify --record PATH --model FILE [--output CSV|ATR] [options]",
  options: {
    record: { type: "string" },
    model: { type: "string" },
    output: { type: "string" },
    lead: { type: "string" },
    peaks: { type: "string" },
    reference: { type: "string" },
    device: { type: "string" },
    threads: { type: "string" },
    json: { type: "boolean" },
  },
  optionHelp: {
    record: "record path without extension, e.g. data/mitdb/100",
    model: "a .safetensors checkpoint (e.g. models/compact-kaggle.safetensors)",
    output:
      "out.csv (sample,time,label,p_N..p_Q) or a WFDB annotation file (out.atr, or any other extension)",
    lead: "signal to use (default MLII, else V5)",
    peaks: "use these beat positions (CSV 'sample' column or annotation file) instead of detecting them",
    reference: "reference annotator to compare with when present (default atr; 'none' to skip)",
    device: "cpu or cuda (default cpu)",
    threads: "CPU threads for inference (default 1)",
    json: "print counts, timings and the comparison as JSON",
  },
  examples: [
    "ecg classify --record data/mitdb/100 --model models/compact-kaggle.safetensors --output 100.csv",
    "ecg classify --record data/mitdb/208 --model models/compact-kaggle.safetensors --output 208.atr",
  ],
  async run(args) {
    const recordPath = requireString(args, "record");
    const modelFile = requireString(args, "model");
    const output = stringOpt(args, "output");
    const reference = stringOpt(args, "reference") ?? "atr";
    const device = choiceOpt(args, "device", ["cpu", "cuda"] as const, "cpu");
    // One thread by default: for models this small, intra-op threads cost more than they give
    // (measured on record 100 with the compact preset: 1.7 s of CPU with 1 thread, 6.1 s with 2).
    const threads = numberOpt(args, "threads", 1, { integer: true, min: 1 });
    const json = args.values["json"] === true;
    const peaksFile = stringOpt(args, "peaks");

    const lead = loadLead(recordPath, { lead: stringOpt(args, "lead"), minSeconds: WINDOW_SECONDS });
    const peaks = peaksFile !== undefined ? readTestBeats(peaksFile).samples : undefined;
    const { loadClassifier } = await import("../../models/classifier.js");
    const tLoad = performance.now();
    const classifier = loadClassifier(modelFile, { device, threads });
    const loadSeconds = (performance.now() - tLoad) / 1000;
    let result: ReturnType<typeof classifySignal>;
    const t0 = performance.now();
    try {
      try {
        checkClasses(classifier, modelFile);
      } catch (e) {
        throw new UserError((e as Error).message, modelFile);
      }
      result = classifySignal(lead.signal, lead.fs, classifier, peaks !== undefined ? { peaks } : {});
    } finally {
      classifier.dispose();
    }
    const seconds = (performance.now() - t0) / 1000;
    if (result.count === 0)
      throw new UserError(`record ${lead.name}: no beats found on ${lead.lead}`, recordPath);

    if (output !== undefined) {
      if (output.toLowerCase().endsWith(".csv")) writeTextAtomic(output, beatsCsv(result, lead.fs));
      else writeAnnotations(output, beatAnnotations(result.sample, result.label));
    }
    const counts = Object.fromEntries(
      CLASS_NAMES.map((c, k) => [c, result.label.filter((l) => l === k).length]),
    );
    const comparison =
      reference !== "none" && hasReference(recordPath, reference)
        ? compareWithReference(
            recordPath,
            { samples: result.sample, classes: result.label },
            { fs: lead.fs, reference },
          )
        : undefined;

    if (json) {
      printJson({
        record: lead.name,
        lead: lead.lead,
        samplingFrequency: lead.fs,
        beats: result.count,
        counts,
        detected: peaks === undefined,
        seconds: { modelLoad: loadSeconds, detectAndClassify: seconds },
        ...(output !== undefined ? { output: displayPath(output) } : {}),
        ...(comparison ? { comparison: { matrix: comparison.matrix, stats: comparison.stats } } : {}),
      });
      return;
    }
    println(
      `record ${lead.name}: ${result.count} beats on ${lead.lead} (${peaks === undefined ? "detected" : "given"}): ` +
        CLASS_NAMES.map((c) => `${c} ${counts[c]}`).join(", "),
    );
    if (comparison) {
      println();
      println(`beat-by-beat against ${lead.name}.${reference} (match window 150 ms, whole record):`);
      println(formatMatrix(comparison.matrix));
      println();
      println(formatStats(comparison.stats, true));
    }
    info(
      `${peaks === undefined ? "detection + " : ""}classification: ${seconds.toFixed(2)} s (model load ${loadSeconds.toFixed(2)} s)` +
        (output !== undefined ? ` → ${displayPath(output)}` : ""),
    );
  },
};
