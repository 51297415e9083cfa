// `ecg view --record PATH [--model FILE]`: the record viewer, written as one self-contained HTML page (or
// served on 127.0.0.1): the strip with zoom and pan, reference/predicted labels, disagreements, summary.
// What the page shows comes from record/summary.ts; this file parses, assembles the page and writes it.
import { createServer } from "node:http";
import path from "node:path";
import { writeFileOrFail } from "../../atomic-file.js";
import { InterruptedError, UserError } from "../../errors.js";
import type { BxbStats } from "../../eval/bxb.js";
import { describeProtocol } from "../../eval/bxb-protocol.js";
import { listenForInterrupt } from "../../interrupt.js";
import { DEFAULT_MODEL, existingModelFile } from "../../models/model-file.js";
import { guardOutputs } from "../../output-guard.js";
import { classifySummary, recordSummary } from "../../record/summary.js";
import { buildViewerHtml } from "../../report/viewer.js";
import { mergeBeats } from "../../report/viewer-beats.js";
import { viewerSummary } from "../../report/viewer-summary.js";
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
import { displayPath, info, println } from "../output.js";
import { PROTOCOL_OPTION_HELP, PROTOCOL_OPTIONS, protocolFrom } from "../protocol-options.js";

/** --model none: the reference labels only. */
const NO_MODEL = "none";

export const command: Command = {
  name: "view",
  summary: "the record viewer: one HTML page with the ECG strip, beat labels and disagreements",
  usage: "view --record PATH [--model FILE|none] [--lead L] [--output FILE | --serve [--port N]]",
  options: {
    record: { type: "string" },
    model: { type: "string" },
    lead: { type: "string" },
    annotator: { type: "string" },
    ...PROTOCOL_OPTIONS,
    output: { type: "string", short: "o" },
    serve: { type: "boolean" },
    port: { type: "string" },
    ...LENIENT_OPTION,
  },
  optionHelp: {
    record: "WFDB record: data/mitdb/100 (or 100.hea, 100.dat)",
    model:
      `a .safetensors checkpoint: label every beat and show where it disagrees with the reference (default ` +
      `${displayPath(DEFAULT_MODEL)}, the inter-patient model, when installed; '${NO_MODEL}': reference labels only)`,
    lead: "signal to show, by name (default MLII, else V5, else signal 0)",
    annotator: "reference annotation file extension (default atr)",
    ...PROTOCOL_OPTION_HELP,
    output:
      "where to write the page (default <record>-view.html in the current directory; never a file read)",
    serve: "serve the page on http://127.0.0.1 instead of writing a file",
    port: "port for --serve (default: any free port)",
    ...LENIENT_HELP,
  },
  examples: [
    "ecg view --record data/mitdb/100",
    "ecg view --record data/mitdb/208 --model runs/compact/best.safetensors",
    "ecg view --record data/mitdb/100 --model none",
  ],
  async run(args) {
    const recordPath = recordOpt(args);
    const modelArg = stringOpt(args, "model");
    const annotator = stringOpt(args, "annotator") ?? "atr";
    const serve = boolOpt(args, "serve");
    const port = numberOpt(args, "port", 0, { integer: true, min: 0, max: 65535 });
    const protocol = protocolFrom(args);
    const annotations = annotationPolicy(args);
    const output = path.resolve(stringOpt(args, "output") ?? `${path.basename(recordPath)}-view.html`);
    if (!serve)
      guardOutputs(
        [{ file: output }],
        [
          ...recordFiles(recordPath, [annotator]),
          ...(modelArg !== undefined && modelArg !== NO_MODEL ? [{ file: modelArg, what: "the model" }] : []),
        ],
      );
    let s = recordSummary(recordPath, {
      ...(stringOpt(args, "lead") !== undefined ? { lead: stringOpt(args, "lead")! } : {}),
      annotator,
      annotations,
    });
    // The model after the record: a bad record is the first thing to say.
    const modelFile = chooseModel(modelArg);
    if (modelFile !== undefined) {
      // Loaded here, not at the top: only a model needs libtorch.
      const { loadRecordClassifier } = await import("../../record/classify-records.js");
      const classifier = await loadRecordClassifier(modelFile);
      try {
        s = classifySummary(s, classifier, protocol, annotations);
      } finally {
        classifier.dispose();
      }
    }
    for (const note of s.notes) info(`note: ${note}`);
    if (s.reference === undefined)
      info(
        `note: no ${displayPath(`${recordPath}.${annotator}`)}; showing the signal without reference labels`,
      );
    const beats = mergeBeats(s.reference ?? [], s.predicted, s.fs);
    const summary = viewerSummary(
      {
        record: displayPath(path.resolve(recordPath)),
        lead: s.lead,
        signalIndex: s.signalIndex,
        nSignals: s.header.nSignals,
        fs: s.fs,
        nSamples: s.signal.length,
        comments: s.header.comments,
        ...(modelFile !== undefined && { model: displayPath(path.resolve(modelFile)) }),
        ...(s.comparison && {
          scoring: scoringLine(s.comparison.stats, describeProtocol(s.comparison.protocol)),
        }),
      },
      beats,
    );
    const html = buildViewerHtml({
      record: s.record,
      fs: s.fs,
      lead: s.lead,
      signal: s.signal,
      beats,
      summary,
    });

    if (serve) {
      await servePage(html, port);
      return;
    }
    writeFileOrFail(output, html, "page", displayPath(output));
    println(displayPath(output));
  },
};

/** The model to label beats with: the one given, none, or the default one when it is installed. */
function chooseModel(given: string | undefined): string | undefined {
  if (given === NO_MODEL) return undefined;
  if (given !== undefined) return existingModelFile(given);
  try {
    return existingModelFile(DEFAULT_MODEL);
  } catch {
    info(
      `note: the default model ${displayPath(DEFAULT_MODEL)} is not installed; showing the reference labels only (give --model FILE)`,
    );
    return undefined;
  }
}

function scoringLine(stats: BxbStats, protocol: string): string {
  const pct = (v: number | null): string => (v === null ? "–" : `${v.toFixed(1)} %`);
  const c = stats.classes;
  return (
    `QRS Se ${pct(stats.qrs.se.value)} +P ${pct(stats.qrs.ppv.value)} · VEB Se ${pct(c.V.se.value)} +P ${pct(c.V.ppv.value)}` +
    ` · SVEB Se ${pct(c.S.se.value)} +P ${pct(c.S.ppv.value)} (${protocol})`
  );
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
    const stop = listenForInterrupt({
      onFirst: () => server.close(() => reject(new InterruptedError("interrupted; the viewer is stopped"))),
    });
    server.on("close", () => stop.close());
    process.once("SIGTERM", () => server.close(() => resolve()));
  });
}
