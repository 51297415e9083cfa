// Escape sequences in users' files for the hostile-input suite (issue 21.7): lead names in a header,
// an annotation's aux strings, a checkpoint's class names, each printed by a command. The suite's judge
// refuses any run that prints a raw control character (hostile.ts); a valid run must also show the
// text, escaped, where it belongs.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { decodeSafetensors, encodeSafetensors } from "../../src/nn/safetensors.js";
import type { HostileCase, RunResult } from "./hostile.js";
import { type BaseRecord, recordFilesOf, writeRecord } from "./hostile-wfdb.js";

/** Retitles the terminal, clears it and turns it red (a header is latin1: bytes, C1's CSI among them). */
const HEADER_TEXT = "\u001b]0;owned\u0007\u001b[2J\u009b31m";
/** The same, then a right-to-left override (a checkpoint's metadata is UTF-8 JSON). */
const JSON_TEXT = `${HEADER_TEXT}\u202e`;

/** `text` as the output layer writes it: every character but printable ASCII as a \u escape. */
const escaped = (text: string): string =>
  [...text]
    .map((c) => {
      const code = c.charCodeAt(0);
      return code < 0x20 || code >= 0x7f ? `\\u${code.toString(16).padStart(4, "0")}` : c;
    })
    .join("");

const shows =
  (where: "stdout" | "stderr", text: string) =>
  (r: RunResult): string | undefined =>
    r[where].includes(escaped(text)) ? undefined : `no escaped text on ${where}: ${r[where].slice(0, 200)}`;

export function terminalCases(dir: string, base: BaseRecord, model: string): HostileCase[] {
  const leads = (t: string) =>
    t.replace(" 0 MLII", ` 0 MLII${HEADER_TEXT}`).replace(" 0 V5", ` 0 V5${HEADER_TEXT}`);
  const rec = writeRecord(dir, "leads", base, { header: leads });
  const protect = recordFilesOf(rec);
  const aux = writeRecord(dir, "aux", base, {
    annotations: (a) => a.map((x, i) => (i % 50 === 0 ? { ...x, aux: `(N${HEADER_TEXT}` } : x)),
  });
  // The compact model with a class named with escapes.
  const contents = decodeSafetensors(readFileSync(model));
  const meta = { ...contents.metadata, classes: `N,S${JSON_TEXT},V,F,Q` };
  const ckpt = path.join(dir, "classes.safetensors");
  writeFileSync(ckpt, encodeSafetensors(contents.tensors, meta));
  const beats = path.join(dir, "beats.csv");
  const row = Array.from({ length: 187 }, (_, j) => ((Math.sin(j / 9) + 1) / 2).toFixed(6)).join(",");
  writeFileSync(beats, `${row}\n${row}\n`);
  return [
    {
      // Neither is MLII or V5 by name: the lead rule takes the first ECG signal, and says which.
      name: "terminal/lead names with escapes, the first ECG signal chosen (detect)",
      args: ["detect", "--record", rec],
      names: "",
      expect: "ok",
      protect,
      check: shows("stderr", `MLII${HEADER_TEXT}`),
    },
    {
      name: "terminal/lead names with escapes, one chosen (classify)",
      args: ["classify", "--record", rec, "--model", model, "--lead", `MLII${HEADER_TEXT}`, "--threads", "1"],
      names: "",
      expect: "ok",
      protect,
      check: shows("stdout", `MLII${HEADER_TEXT}`),
    },
    {
      name: "terminal/lead names with escapes, --json",
      args: ["classify", "--record", rec, "--model", model, "--lead", `V5${HEADER_TEXT}`, "--json"],
      names: "",
      expect: "ok",
      protect,
      check: (r) => {
        try {
          const lead = (JSON.parse(r.stdout) as { lead: string }).lead;
          return lead === `V5${HEADER_TEXT}` ? undefined : `lead ${JSON.stringify(lead)}`;
        } catch {
          return `not JSON: ${r.stdout.slice(0, 100)}`;
        }
      },
    },
    {
      name: "terminal/a lead not found, the header's listed",
      args: ["detect", "--record", rec, "--lead", "II"],
      names: "no lead 'II'",
      expect: "error",
      protect,
    },
    {
      name: "terminal/aux strings with escapes (compare)",
      args: ["compare", "--record", aux, "--detect"],
      names: "",
      expect: "ok",
      protect: recordFilesOf(aux),
      check: (r) => (r.stdout.includes("record 100") ? undefined : `no report: ${r.stdout.slice(0, 100)}`),
    },
    {
      name: "terminal/a checkpoint's class named with escapes (predict)",
      args: ["predict", "--model", ckpt, "--input", beats],
      names: "",
      expect: "ok",
      protect: [ckpt, beats],
      check: shows("stdout", `p_S${JSON_TEXT}`),
    },
  ];
}
