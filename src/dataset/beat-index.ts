// The index of a dataset directory (mitbih_index.csv): one line per row of the two Kaggle-format CSVs,
// train rows then test rows, saying where the beat came from and carrying its rhythm features, which
// the Kaggle format has no room for (the CSVs stay exactly Kaggle's, and still train morphology-only
// models). Columns: split,row,record,sample,symbol,label, then RHYTHM_FEATURES (rhythm.ts) in order.
// An index written before the rhythm features existed has the first six columns only.
import { existsSync } from "node:fs";
import path from "node:path";
import { displayPath } from "../display-path.js";
import { readFileOrFail, UserError } from "../errors.js";
import { N_CLASSES, RHYTHM_FEATURE_COUNT, RHYTHM_FEATURES } from "../vocabulary.js";
import type { BeatSet } from "./beats-csv.js";
import { INDEX_FILE, type Side, splitFile } from "./dataset-dir.js";

const WHERE_COLUMNS = ["split", "row", "record", "sample", "symbol", "label"] as const;
export const INDEX_COLUMNS: readonly string[] = [...WHERE_COLUMNS, ...RHYTHM_FEATURES];

export interface IndexRow {
  side: Side;
  /** Row of the side's CSV (0-based). */
  row: number;
  record: string;
  /** The R peak: annotation sample at the record's own rate. */
  sample: number;
  symbol: string;
  label: number;
  /** RHYTHM_FEATURE_COUNT values. */
  rhythm: ArrayLike<number>;
}

/** The index's header line, newline included. */
export function indexHeader(): string {
  return `${INDEX_COLUMNS.join(",")}\n`;
}

/** One index line, newline included; features are written so that they read back as the same float32. */
export function indexLine(r: IndexRow): string {
  let features = "";
  for (let f = 0; f < RHYTHM_FEATURE_COUNT; f++) features += `,${float32Text(r.rhythm[f]!)}`;
  return `${r.side},${r.row},${r.record},${r.sample},${r.symbol},${r.label}${features}\n`;
}

/** The shortest decimal (of 6 to 9 significant digits) that parses back to the same float32 as v. */
function float32Text(v: number): string {
  const f = Math.fround(v);
  for (let digits = 6; digits < 9; digits++) {
    const text = f.toPrecision(digits);
    if (Math.fround(+text) === f) return String(+text);
  }
  return String(+f.toPrecision(9));
}

export interface BeatIndex {
  /** The record of each row. */
  records: string[];
  sample: Int32Array;
  symbol: string[];
  label: Uint8Array;
  /** count × RHYTHM_FEATURE_COUNT; absent in an index written before the rhythm features. */
  rhythm?: Float32Array;
}

/** The index lines of one side, in row order; undefined when the directory has no index. */
export function readBeatIndex(dir: string, side: Side): BeatIndex | undefined {
  const file = path.join(dir, INDEX_FILE);
  if (!existsSync(file)) return undefined;
  const shown = displayPath(file);
  const lines = readFileOrFail(file, "dataset index", shown).toString("latin1").split("\n");
  const head = (lines[0] ?? "").trim().split(",");
  const fail = (line: number, msg: string): never => {
    throw new UserError(`${shown}: line ${line}: ${msg}`, file);
  };
  if (WHERE_COLUMNS.some((c, i) => head[i] !== c))
    fail(1, `header is not ${WHERE_COLUMNS.join(",")}[,rhythm features]`);
  const hasRhythm = head.length > WHERE_COLUMNS.length;
  if (hasRhythm && head.join(",") !== INDEX_COLUMNS.join(","))
    fail(
      1,
      `rhythm columns ${head.slice(WHERE_COLUMNS.length).join(",")} are not ${RHYTHM_FEATURES.join(",")} (rebuild it with \`ecg data build\`)`,
    );
  const columns = hasRhythm ? INDEX_COLUMNS.length : WHERE_COLUMNS.length;
  const records: string[] = [];
  const sample: number[] = [];
  const symbol: string[] = [];
  const label: number[] = [];
  const rhythm: number[] = [];
  const prefix = `${side},`;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith(prefix)) continue;
    const cells = line.trimEnd().split(",");
    if (cells.length !== columns) fail(i + 1, `expected ${columns} columns, found ${cells.length}`);
    if (Number(cells[1]) !== records.length)
      fail(i + 1, `row ${cells[1]} out of order (expected ${side} row ${records.length})`);
    const s = Number(cells[3]);
    const l = Number(cells[5]);
    if (!Number.isInteger(s) || s < 0) fail(i + 1, `sample '${cells[3]}' is not a sample index`);
    if (!Number.isInteger(l) || l < 0 || l >= N_CLASSES) fail(i + 1, `label '${cells[5]}' is not 0..4`);
    records.push(cells[2]!);
    sample.push(s);
    symbol.push(cells[4]!);
    label.push(l);
    for (let c = WHERE_COLUMNS.length; c < columns; c++) {
      const v = Number(cells[c]);
      if (cells[c] === "" || !Number.isFinite(v)) fail(i + 1, `${head[c]} '${cells[c]}' is not a number`);
      rhythm.push(v);
    }
  }
  return {
    records,
    sample: Int32Array.from(sample),
    symbol,
    label: Uint8Array.from(label),
    ...(hasRhythm ? { rhythm: Float32Array.from(rhythm) } : {}),
  };
}

/**
 * The set with its records and rhythm features from the index of the dataset directory `dir`, after
 * checking that the index describes these rows (same count, same labels). Unchanged without an index.
 */
export function withIndex(set: BeatSet, dir: string, side: Side): BeatSet {
  const index = readBeatIndex(dir, side);
  if (index === undefined) return set;
  const csv = displayPath(splitFile(dir, side));
  const shown = displayPath(path.join(dir, INDEX_FILE));
  if (index.records.length !== set.count) {
    throw new UserError(
      `${shown}: ${index.records.length} ${side} rows, but ${csv} has ${set.count} beats (rebuild the directory with \`ecg data build\`)`,
      path.join(dir, INDEX_FILE),
    );
  }
  for (let i = 0; i < set.count; i++) {
    if (index.label[i] !== set.y[i]) {
      throw new UserError(
        `${shown}: ${side} row ${i} has label ${index.label[i]}, ${csv} line ${i + 1} has ${set.y[i]} (rebuild the directory with \`ecg data build\`)`,
        path.join(dir, INDEX_FILE),
      );
    }
  }
  return { ...set, records: index.records, ...(index.rhythm ? { rhythm: index.rhythm } : {}) };
}
