// `ecg data build`: MIT-BIH records → mitbih_train.csv / mitbih_test.csv (Kaggle format), an index
// saying where each row came from with the beat's rhythm features (beat-index.ts), and the binary
// caches (beats, labels, rhythm features and records). Everything is computed in memory first and
// every file is written under a temporary name and renamed at the end: nothing is half-written.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { AtomicFile } from "../atomic-file.js";
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";
import { recordFiles } from "../io/read-record.js";
import { guardOutputs } from "../output-guard.js";
import { BEAT_LENGTH, classCounts, RHYTHM_FEATURE_COUNT } from "../vocabulary.js";
import type { AnnotationPolicy } from "../wfdb/annotation.js";
import { indexHeader, indexLine } from "./beat-index.js";
import { selectBeats } from "./beats.js";
import { writeBeatsCache } from "./beats-cache.js";
import { type BeatSet, writeBeatsCsvTo } from "./beats-csv.js";
import { INDEX_FILE, META_FILE, SIDES, splitFile } from "./dataset-dir.js";
import { type RecordBeats, recordBeats } from "./record-beats.js";
import { interpatientSide, stratifiedSplit } from "./split.js";

export type SplitKind = "kaggle" | "interpatient";
export const DEFAULT_SEED = 42;
export const TEST_FRACTION = 0.2;

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
  /** Each record read: its lead, sampling frequency (the rate of the index's samples), beats and side. */
  records: { record: string; lead: string; fs: number; beats: number; side: string }[];
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
  const rhythm = new Float32Array(total * RHYTHM_FEATURE_COUNT);
  const all = {
    x: new Float32Array(total * BEAT_LENGTH),
    y: new Uint8Array(total),
    count: total,
    rhythm,
  } satisfies BeatSet;
  const rowRecord = new Int32Array(total);
  let at = 0;
  perRecord.forEach((r, k) => {
    all.x.set(r.x, at * BEAT_LENGTH);
    all.y.set(r.y, at);
    rhythm.set(r.rhythm, at * RHYTHM_FEATURE_COUNT);
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
    fs: r.fs,
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
    indexOut.write(indexHeader());
    for (const side of SIDES) {
      const rows = sides[side];
      let chunk = "";
      for (let r = 0; r < rows.length; r++) {
        const i = rows[r]!;
        const k = rowRecord[i]!;
        const rec = perRecord[k]!;
        const j = i - rowOffset[k]!;
        chunk += indexLine({
          side,
          row: r,
          record: rec.record,
          sample: rec.sample[j]!,
          symbol: rec.symbol[j]!,
          label: all.y[i]!,
          rhythm: rhythm.subarray(i * RHYTHM_FEATURE_COUNT, (i + 1) * RHYTHM_FEATURE_COUNT),
        });
        if (r % 8192 === 8191) {
          indexOut.write(chunk);
          chunk = "";
        }
      }
      indexOut.write(chunk);
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
  // Caches last: they hold the hash of the final CSVs and index.
  const withRecords = { ...all, records: Array.from(rowRecord, (k) => perRecord[k]!.record) };
  writeBeatsCache(trainCsv, selectBeats(withRecords, train));
  writeBeatsCache(testCsv, selectBeats(withRecords, test));
  return result;
}

function pick(y: Uint8Array, rows: Int32Array): Uint8Array {
  const out = new Uint8Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = y[rows[r]!]!;
  return out;
}
