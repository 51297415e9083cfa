// `ecg data build`: MIT-BIH records → mitbih_train.csv / mitbih_test.csv (Kaggle format), an index
// saying where each row came from, and the binary caches. Everything is computed in memory first and
// every file is written under a temporary name and renamed at the end: nothing is half-written.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { AtomicFile } from "../atomic-file.js";
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";
import { guardOutputs } from "../output-guard.js";
import { BEAT_LENGTH, classCounts } from "../vocabulary.js";
import type { AnnotationPolicy } from "../wfdb/annotation.js";
import { recordFiles } from "../wfdb/record.js";
import { type BeatSet, splitFile } from "./beats.js";
import { writeBeatsCache } from "./beats-cache.js";
import { writeBeatsCsvTo } from "./beats-csv.js";
import { type RecordBeats, recordBeats } from "./record-beats.js";
import { interpatientSide, stratifiedSplit } from "./split.js";

export type SplitKind = "kaggle" | "interpatient";
export const DEFAULT_SEED = 42;
export const TEST_FRACTION = 0.2;
export const INDEX_FILE = "mitbih_index.csv";
export const META_FILE = "mitbih_dataset.json";

export interface BuildOptions {
  mitdbDir: string;
  outDir: string;
  split: SplitKind;
  seed: number;
  /** Called after each record is read. */
  onRecord?: (record: string, done: number, total: number) => void;
  /** Damaged annotation files: refused (default) or mended. */
  annotations?: AnnotationPolicy;
}

export interface BuildResult {
  split: SplitKind;
  seed: number;
  records: { record: string; lead: string; beats: number; side: string }[];
  train: { count: number; classes: number[] };
  test: { count: number; classes: number[] };
  files: string[];
}

/** Record names from the database's RECORDS file, else from its .hea files. */
export function listRecords(dir: string): string[] {
  const recordsFile = path.join(dir, "RECORDS");
  if (existsSync(recordsFile)) {
    return readFileSync(recordsFile, "utf8")
      .split(/\s+/)
      .filter((r) => r !== "");
  }
  if (!existsSync(dir)) throw new UserError(`${displayPath(dir)}: no such directory`, dir);
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(".hea"))
    .map((f) => f.slice(0, -4))
    .sort();
  if (names.length === 0) throw new UserError(`${displayPath(dir)}: no WFDB records (.hea files) here`, dir);
  return names;
}

export function buildDataset(opts: BuildOptions): BuildResult {
  const names = listRecords(opts.mitdbDir);
  // The inter-patient split leaves the paced records out: no need to read them.
  const wanted =
    opts.split === "interpatient" ? names.filter((r) => interpatientSide(r) !== undefined) : names;
  if (wanted.length === 0)
    throw new UserError(`${displayPath(opts.mitdbDir)}: none of the DS1/DS2 records are here`);
  const trainCsv = splitFile(opts.outDir, "train");
  const testCsv = splitFile(opts.outDir, "test");
  const indexFile = path.join(opts.outDir, INDEX_FILE);
  const metaFile = path.join(opts.outDir, META_FILE);
  // Before reading a record: no output is a file of a record, and the output folder can be made.
  guardOutputs(
    [trainCsv, testCsv, indexFile, metaFile].map((file) => ({ file })),
    wanted.flatMap((name) => recordFiles(path.join(opts.mitdbDir, name), ["atr"])),
  );
  const perRecord: RecordBeats[] = [];
  wanted.forEach((name, i) => {
    perRecord.push(
      recordBeats(path.join(opts.mitdbDir, name), opts.annotations ? { annotations: opts.annotations } : {}),
    );
    opts.onRecord?.(name, i + 1, wanted.length);
  });

  const total = perRecord.reduce((n, r) => n + r.count, 0);
  const all: BeatSet = { x: new Float32Array(total * BEAT_LENGTH), y: new Uint8Array(total), count: total };
  const rowRecord = new Int32Array(total);
  let at = 0;
  perRecord.forEach((r, k) => {
    all.x.set(r.x, at * BEAT_LENGTH);
    all.y.set(r.y, at);
    rowRecord.fill(k, at, at + r.count);
    at += r.count;
  });
  const rowOffset: number[] = [];
  perRecord.reduce((n, r) => {
    rowOffset.push(n);
    return n + r.count;
  }, 0);

  let train: Int32Array;
  let test: Int32Array;
  if (opts.split === "kaggle") {
    ({ train, test } = stratifiedSplit(all.y, TEST_FRACTION, opts.seed));
  } else {
    const tr: number[] = [];
    const te: number[] = [];
    for (let i = 0; i < total; i++) {
      (interpatientSide(perRecord[rowRecord[i]!]!.record) === "train" ? tr : te).push(i);
    }
    train = Int32Array.from(tr);
    test = Int32Array.from(te);
  }

  const sides = { train, test };

  const records = perRecord.map((r) => ({
    record: r.record,
    lead: r.lead,
    beats: r.count,
    side: opts.split === "kaggle" ? "both" : (interpatientSide(r.record) ?? "none"),
  }));
  const result: BuildResult = {
    split: opts.split,
    seed: opts.seed,
    records,
    train: { count: train.length, classes: classCounts(pick(all.y, train)) },
    test: { count: test.length, classes: classCounts(pick(all.y, test)) },
    files: [trainCsv, testCsv, indexFile, metaFile],
  };

  // All four files go to temporary names; they are renamed into place only once all are written.
  const outputs = result.files.map((f) => new AtomicFile(f));
  const [trainOut, testOut, indexOut, metaOut] = outputs as [AtomicFile, AtomicFile, AtomicFile, AtomicFile];
  try {
    writeBeatsCsvTo(trainOut, all, train);
    writeBeatsCsvTo(testOut, all, test);
    // Index: one line per CSV row, in CSV order; sample is the R peak at the record's own rate.
    indexOut.write("split,row,record,sample,symbol,label\n");
    for (const side of ["train", "test"] as const) {
      const rows = sides[side];
      const lines: string[] = [];
      for (let r = 0; r < rows.length; r++) {
        const i = rows[r]!;
        const k = rowRecord[i]!;
        const rec = perRecord[k]!;
        const j = i - rowOffset[k]!;
        lines.push(`${side},${r},${rec.record},${rec.sample[j]},${rec.symbol[j]},${all.y[i]}`);
        if (lines.length === 8192) {
          indexOut.write(`${lines.join("\n")}\n`);
          lines.length = 0;
        }
      }
      if (lines.length > 0) indexOut.write(`${lines.join("\n")}\n`);
    }
    const { files: _files, ...summary } = result;
    metaOut.write(
      `${JSON.stringify({ source: "MIT-BIH Arrhythmia Database 1.0.0", pipeline: "kachuee2018", ...summary }, null, 2)}\n`,
    );
    for (const o of outputs) o.close();
  } catch (e) {
    for (const o of outputs) o.abort();
    throw e;
  }
  for (const o of outputs) o.commit();
  // Caches last: they record the final CSVs' size and mtime.
  writeBeatsCache(trainCsv, subset(all, train));
  writeBeatsCache(testCsv, subset(all, test));
  return result;
}

function pick(y: Uint8Array, rows: Int32Array): Uint8Array {
  const out = new Uint8Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = y[rows[r]!]!;
  return out;
}

function subset(all: BeatSet, rows: Int32Array): BeatSet {
  const x = new Float32Array(rows.length * BEAT_LENGTH);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    x.set(all.x.subarray(i * BEAT_LENGTH, (i + 1) * BEAT_LENGTH), r * BEAT_LENGTH);
  }
  return { x, y: pick(all.y, rows), count: rows.length };
}
