// `ecg view --record PATH [--model FILE]`: the record viewer, written as one self-contained HTML page (or
// served on 127.0.0.1): the strip with zoom and pan, reference/predicted labels, disagreements, summary.
// The page comes from report/view-record.ts; this file parses, and writes or serves the page.
import { createServer } from "node:http";
import path from "node:path";
import { writeFileOrFail } from "../../atomic-file.js";
import { InterruptedError, UserError } from "../../errors.js";
import { listenForInterrupt } from "../../interrupt.js";
import { recordFiles, recordName } from "../../io/read-record.js";
import { DEFAULT_MODEL, existingModelFile } from "../../models/model-file.js";
import { guardOutputs } from "../../output-guard.js";
import { viewRecordPage } from "../../report/view-record.js";
import {
  annotationPolicy,
  boolOpt,
  FS_HELP,
  FS_OPTION,
  fsOpt,
  LEAD_HELP,
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
    ...FS_OPTION,
    annotator: { type: "string" },
    ...PROTOCOL_OPTIONS,
    output: { type: "string", short: "o" },
    serve: { type: "boolean" },
    port: { type: "string" },
    ...LENIENT_OPTION,
  },
  optionHelp: {
    record:
      "record: a WFDB record (data/mitdb/100, or 100.hea, 100.dat), an EDF file (x.edf) or a text file (x.csv, x.txt)",
    model:
      `a .safetensors checkpoint: label every beat and show where it disagrees with the reference (default ` +
      `${displayPath(DEFAULT_MODEL)}, the inter-patient model, when installed; '${NO_MODEL}': reference labels only)`,
    lead: `${LEAD_HELP}; a record with no ECG signal shows signal 0`,
    ...FS_HELP,
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
    const output = path.resolve(stringOpt(args, "output") ?? `${recordName(recordPath)}-view.html`);
    if (!serve)
      guardOutputs(
        [{ file: output }],
        [
          ...recordFiles(recordPath, [annotator]),
          ...(modelArg !== undefined && modelArg !== NO_MODEL ? [{ file: modelArg, what: "the model" }] : []),
        ],
      );
    const lead = stringOpt(args, "lead");
    const fs = fsOpt(args);
    const page = await viewRecordPage({
      recordPath,
      ...(lead !== undefined ? { lead } : {}),
      ...(fs !== undefined ? { fs } : {}),
      annotator,
      protocol,
      annotations,
      // Chosen after the record is read: a bad record is the first thing to say.
      modelFile: () => chooseModel(modelArg),
    });
    for (const note of page.notes) info(`note: ${note}`);
    if (page.warning !== undefined) info(page.warning);
    const html = page.html;

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

/** The methods the viewer answers: it only shows a page (HEAD: the same headers, no body). */
const SERVED_METHODS = ["GET", "HEAD"];

/**
 * Serves the page on 127.0.0.1 until interrupted. Only GET and HEAD are answered (405 otherwise), and
 * only for a Host of 127.0.0.1 or localhost at the served port (403 otherwise): a page elsewhere whose
 * name a DNS rebinding points at 127.0.0.1 sends its own name as Host, and gets nothing.
 */
function servePage(html: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let hosts: string[] = [];
    const server = createServer((req, res) => {
      const text = (status: number, body: string, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
        res.end(req.method === "HEAD" ? undefined : body);
      };
      if (!hosts.includes((req.headers.host ?? "").toLowerCase()))
        return text(403, `this viewer answers only at ${hosts.map((h) => `http://${h}/`).join(" or ")}\n`);
      if (!SERVED_METHODS.includes(req.method ?? ""))
        return text(405, `${req.method} is not answered; the viewer is read with GET\n`, {
          allow: SERVED_METHODS.join(", "),
        });
      if (req.url === "/" || req.url?.startsWith("/?")) {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
        res.end(req.method === "HEAD" ? undefined : html);
      } else text(404, "not found\n");
    });
    server.on("error", (e: NodeJS.ErrnoException) =>
      reject(new UserError(`cannot serve on 127.0.0.1:${port}: ${e.code ?? e.message}`)),
    );
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const actual = typeof address === "object" && address ? address.port : port;
      hosts = [`127.0.0.1:${actual}`, `localhost:${actual}`];
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
