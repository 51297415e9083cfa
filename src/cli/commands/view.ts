// `ecg view --record PATH [--model FILE]`: the record viewer, written as one self-contained HTML page (or
// served on 127.0.0.1): the strip with zoom and pan, reference/predicted labels, disagreements, summary.
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { writeFileOrFail } from "../../atomic-file.js";
import { Interrupted } from "../../errors.js";
import { guardOutputs } from "../../output-guard.js";
import { type LoadedLead, loadLead } from "../../record/lead.js";
import { buildViewerHtml } from "../../report/viewer.js";
import { mergeBeats, type PredictedBeat, type ReferenceBeat } from "../../report/viewer-beats.js";
import { viewerSummary } from "../../report/viewer-summary.js";
import { isBeatSymbol, readAnnotations } from "../../wfdb/annotation.js";
import { readHeader } from "../../wfdb/header.js";
import { recordFiles } from "../../wfdb/record.js";
import {
  annotationPolicy,
  boolOpt,
  LENIENT_HELP,
  LENIENT_OPTION,
  numberOpt,
  recordOpt,
  stringOpt,
} from "../args.js";
import type { Command } from "../command.js";
import { UserError } from "../errors.js";
import { displayPath, info, println } from "../output.js";

export const command: Command = {
  name: "view",
  summary: "the record viewer: one HTML page with the ECG strip, beat labels and disagreements",
  usage: "view --record PATH [--model FILE] [--lead L] [--output FILE | --serve [--port N]]",
  options: {
    record: { type: "string" },
    model: { type: "string" },
    lead: { type: "string" },
    annotator: { type: "string" },
    output: { type: "string", short: "o" },
    serve: { type: "boolean" },
    port: { type: "string" },
    ...LENIENT_OPTION,
  },
  optionHelp: {
    record: "WFDB record: data/mitdb/100 (or 100.hea, 100.dat)",
    model: "a .safetensors checkpoint: label every beat and show where it disagrees with the reference",
    lead: "signal to show, by name (default MLII, else V5, else signal 0)",
    annotator: "reference annotation file extension (default atr)",
    output:
      "where to write the page (default <record>-view.html in the current directory; never a file read)",
    serve: "serve the page on http://127.0.0.1 instead of writing a file",
    port: "port for --serve (default: any free port)",
    ...LENIENT_HELP,
  },
  examples: [
    "ecg view --record data/mitdb/100",
    "ecg view --record data/mitdb/208 --model runs/compact/best.safetensors",
  ],
  async run(args) {
    const recordPath = recordOpt(args);
    const modelFile = stringOpt(args, "model");
    const annotator = stringOpt(args, "annotator") ?? "atr";
    const serve = boolOpt(args, "serve");
    const port = numberOpt(args, "port", 0, { integer: true, min: 0, max: 65535 });
    if (modelFile !== undefined && !existsSync(modelFile))
      throw new UserError(`${modelFile}: no such model file`, modelFile);
    const output = path.resolve(stringOpt(args, "output") ?? `${path.basename(recordPath)}-view.html`);
    if (!serve)
      guardOutputs(
        [{ file: output }],
        [
          ...recordFiles(recordPath, [annotator]),
          ...(modelFile !== undefined ? [{ file: modelFile, what: "the model" }] : []),
        ],
      );

    const loaded = chooseLead(recordPath, stringOpt(args, "lead"));
    const { fs, signal, lead, header } = loaded;
    const annotationFile = `${recordPath}.${annotator}`;
    let reference: ReferenceBeat[] = [];
    if (existsSync(annotationFile)) {
      reference = readAnnotations(recordPath, annotator, {
        policy: annotationPolicy(args),
        signalLength: signal.length,
      })
        .filter((a) => isBeatSymbol(a.symbol))
        .map((a) => ({ sample: a.sample, symbol: a.symbol }));
    } else {
      info(`note: no ${displayPath(annotationFile)}; showing the signal without reference labels`);
    }
    const predicted = modelFile !== undefined ? await classifyRecord(loaded, modelFile) : undefined;
    const beats = mergeBeats(reference, predicted, fs);
    const name = loaded.name;
    const summary = viewerSummary(
      {
        record: displayPath(path.resolve(recordPath)),
        lead,
        signalIndex: loaded.signalIndex,
        nSignals: header.nSignals,
        fs,
        nSamples: signal.length,
        comments: header.comments,
        ...(modelFile !== undefined && { model: displayPath(path.resolve(modelFile)) }),
      },
      beats,
    );
    const html = buildViewerHtml({ record: name, fs, lead, signal, beats, summary });

    if (serve) {
      await servePage(html, port);
      return;
    }
    writeFileOrFail(output, html, "page", displayPath(output));
    println(displayPath(output));
  },
};

/**
 * The named lead; by default the lead the classifier uses (MLII, else V5, as the heartbeat set does), and for
 * a record with neither, signal 0 with a note: a viewer should show any record.
 */
function chooseLead(recordPath: string, wanted: string | undefined): LoadedLead {
  if (wanted !== undefined) return loadLead(recordPath, { lead: wanted });
  const names = readHeader(recordPath).signals.map((s) => s.description.trim().toUpperCase());
  if (names.includes("MLII") || names.includes("V5")) return loadLead(recordPath);
  const loaded = loadLead(recordPath, { lead: names[0] ?? "" });
  info(`note: record ${loaded.name} has neither MLII nor V5; showing signal 0 (${loaded.lead})`);
  return loaded;
}

/** Per-beat predictions of a checkpoint over the whole record, as `ecg classify` makes them. */
async function classifyRecord(lead: LoadedLead, modelFile: string): Promise<PredictedBeat[]> {
  // Loaded here, not at the top: only --model needs libtorch.
  const { loadClassifier } = await import("../../models/classifier.js");
  const { checkClasses, classifySignal } = await import("../../record/classify.js");
  const { checkUsableLead } = await import("../../dataset/usable-lead.js");
  checkUsableLead(lead.signal, lead.fs, { record: lead.name, lead: lead.lead, file: lead.header.file });
  const classifier = loadClassifier(modelFile);
  try {
    checkClasses(classifier, modelFile);
    const result = classifySignal(lead.signal, lead.fs, classifier);
    const k = classifier.classes.length;
    return Array.from({ length: result.count }, (_, i) => ({
      sample: result.sample[i]!,
      label: classifier.classes[result.label[i]!] ?? String(result.label[i]),
      probs: Array.from(result.proba.subarray(i * k, (i + 1) * k), (p) => Math.round(p * 1e4) / 1e4),
    }));
  } finally {
    classifier.dispose();
  }
}

/** Serves the page on 127.0.0.1 until interrupted. */
function servePage(html: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      if (req.url === "/" || req.url?.startsWith("/?")) {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
        res.end(html);
      } else {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("not found\n");
      }
    });
    server.on("error", (e: NodeJS.ErrnoException) =>
      reject(new UserError(`cannot serve on 127.0.0.1:${port}: ${e.code ?? e.message}`)),
    );
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const actual = typeof address === "object" && address ? address.port : port;
      println(`http://127.0.0.1:${actual}/`);
      info("serving the viewer; press Ctrl-C to stop");
    });
    // Ctrl-C stops the server and exits 130, as an interrupted command does; SIGTERM exits 0.
    process.once("SIGINT", () =>
      server.close(() => reject(new Interrupted("interrupted; the viewer is stopped"))),
    );
    process.once("SIGTERM", () => server.close(() => resolve()));
  });
}
