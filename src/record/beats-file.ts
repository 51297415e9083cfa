// Beat lists on disk: the CSV that `ecg detect` and `ecg classify` write (a `sample` column, and
// for classify `time,label,p_N..p_Q`), and reading a test series for comparison from such a CSV or
// from any WFDB annotation file.
import { readFileSync } from "node:fs";
import path from "node:path";
import { writeFileOrFail } from "../atomic-file.js";

import { readFileOrFail, UserError } from "../errors.js";
import type { BeatSeries } from "../eval/bxb.js";
import { beatClass } from "../eval/bxb-reference.js";
import { CLASS_NAMES } from "../vocabulary.js";
import {
  type AnnotationPolicy,
  checkAnnotations,
  isBeatSymbol,
  parseAnnotations,
} from "../wfdb/annotation.js";

export interface BeatRows {
  /** R-peak samples at the record's rate, increasing. */
  sample: Int32Array;
  /** AAMI class index 0..4 per beat, when labelled. */
  label?: Uint8Array;
  /** count × 5 class probabilities, when known. */
  proba?: Float32Array;
}

/** Writes a file atomically (temporary file renamed into place); errors name the file. */
export function writeTextAtomic(file: string, text: string): void {
  writeFileOrFail(file, text, "beats");
}

/** The header line of a labelled beat CSV: sample,time,label,p_N,p_S,p_V,p_F,p_Q. */
export const LABELLED_BEATS_HEADER = ["sample", "time", "label", ...CLASS_NAMES.map((c) => `p_${c}`)].join(
  ",",
);

/** One line of a labelled beat CSV (no newline); `proba`: the beat's N_CLASSES probabilities. */
export function labelledBeatLine(
  sample: number,
  fs: number,
  label: number,
  proba?: ArrayLike<number>,
): string {
  const cells = [String(sample), (sample / fs).toFixed(3), CLASS_NAMES[label]!];
  if (proba) for (let c = 0; c < CLASS_NAMES.length; c++) cells.push(proba[c]!.toFixed(6));
  return cells.join(",");
}

/** CSV text: `sample`, or `sample,time,label,p_N,p_S,p_V,p_F,p_Q` when labelled. */
export function beatsCsv(rows: BeatRows, fs: number): string {
  const lines: string[] = [];
  if (rows.label === undefined) {
    lines.push("sample");
    for (const s of rows.sample) lines.push(String(s));
  } else {
    lines.push(LABELLED_BEATS_HEADER);
    const k = CLASS_NAMES.length;
    for (let i = 0; i < rows.sample.length; i++) {
      const p = rows.proba?.subarray(i * k, (i + 1) * k);
      lines.push(labelledBeatLine(rows.sample[i]!, fs, rows.label[i]!, p));
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Reads a beat CSV: a `sample` column (required) and optional `label` (N S V F Q) and `p_*` columns. */
export function readBeatsCsvFile(file: string): BeatRows {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: cannot read (${code === "ENOENT" ? "no such file" : code})`, file);
  }
  const shown = path.basename(file);
  // Any line end: LF, CRLF, or a CR alone (old Mac files).
  const lines = text.split(/\r\n|\r|\n/);
  const head = (lines[0] ?? "").split(",").map((c) => c.trim());
  const sampleCol = head.indexOf("sample");
  if (sampleCol < 0) throw new UserError(`${shown}: line 1: no 'sample' column in the header`, file);
  const labelCol = head.indexOf("label");
  const probCols = CLASS_NAMES.map((c) => head.indexOf(`p_${c}`));
  const hasProba = probCols.every((c) => c >= 0);
  const samples: number[] = [];
  const labels: number[] = [];
  const proba: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const cells = line.split(",");
    const cell = (cells[sampleCol] ?? "").trim();
    // Digits only: Number("") is 0 and Number("0x10") 16, neither a sample index.
    const s = /^\d+$/.test(cell) ? Number(cell) : Number.NaN;
    if (!Number.isInteger(s) || s < 0 || s > 2 ** 31 - 1) {
      throw new UserError(
        `${shown}: line ${i + 1}: sample '${cells[sampleCol] ?? ""}' is not a sample index`,
        file,
      );
    }
    if (samples.length > 0 && s < samples[samples.length - 1]!) {
      throw new UserError(`${shown}: line ${i + 1}: samples are not in increasing order`, file);
    }
    samples.push(s);
    if (labelCol >= 0) {
      const l = CLASS_NAMES.indexOf((cells[labelCol] ?? "").trim() as (typeof CLASS_NAMES)[number]);
      if (l < 0)
        throw new UserError(
          `${shown}: line ${i + 1}: label '${cells[labelCol] ?? ""}' is not one of N S V F Q`,
          file,
        );
      labels.push(l);
    }
    if (hasProba)
      for (const c of probCols) {
        const text = (cells[c] ?? "").trim();
        const p = text === "" ? Number.NaN : Number(text);
        if (!(p >= 0 && p <= 1))
          throw new UserError(
            `${shown}: line ${i + 1}: probability '${text.slice(0, 40)}' is not a number in [0, 1]`,
            file,
          );
        proba.push(p);
      }
  }
  const rows: BeatRows = { sample: Int32Array.from(samples) };
  if (labelCol >= 0) rows.label = Uint8Array.from(labels);
  if (hasProba) rows.proba = Float32Array.from(proba);
  return rows;
}

/**
 * A test series for comparison: a beat CSV (by its .csv extension) or a WFDB annotation file
 * (anything else: out.atr, 100.qrs, ...), whose beat annotations are taken with their AAMI class.
 */
export function readTestBeats(file: string, policy?: AnnotationPolicy): BeatSeries & { samples: Int32Array } {
  if (file.toLowerCase().endsWith(".csv")) {
    const rows = readBeatsCsvFile(file);
    return rows.label ? { samples: rows.sample, classes: rows.label } : { samples: rows.sample };
  }
  const bytes = readFileOrFail(file, "annotations");
  const beats = checkAnnotations(
    parseAnnotations(bytes, file, policy),
    file,
    policy ? { policy } : {},
  ).filter((a) => isBeatSymbol(a.symbol));
  return {
    samples: Int32Array.from(beats.map((a) => a.sample)),
    classes: Int8Array.from(beats.map((a) => beatClass(a.symbol))),
  };
}
