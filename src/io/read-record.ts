// The record a path names, read by the reader of its format: `x.edf` (EDF/EDF+), `x.csv`, `x.tsv`
// or `x.txt` (text), else a WFDB record (`data/mitdb/100`, whose header is `100.hea`). A WFDB header
// beside the path wins: `rec.csv.hea` makes `rec.csv` a WFDB record.
import { existsSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../errors.js";
import type { GuardedInput } from "../output-guard.js";
import { csvReader } from "./csv-reader.js";
import { edfReader } from "./edf-reader.js";
import type { EcgRecord, ReadRecordOptions, RecordDescription, RecordReader } from "./record.js";
import { wfdbReader } from "./wfdb-reader.js";

/** Every reader, in the order they are asked; WFDB is the fallback. */
export const READERS: readonly RecordReader[] = [wfdbReader, edfReader, csvReader];

/** The reader of the record `recordPath` names. */
export function readerFor(recordPath: string): RecordReader {
  return READERS.find((r) => r.claims(recordPath)) ?? wfdbReader;
}

/**
 * Reads a record, whatever its format: its signals (names, units, rates), their samples in physical
 * units, the annotations the file carries. Every refusal is one line naming the file (and line or byte).
 */
export function readRecord(recordPath: string, opts: ReadRecordOptions = {}): EcgRecord {
  return checkedReader(recordPath, opts).read(recordPath, opts);
}

/** The reader, with `fs` refused for a format whose file gives its rate (a usage error). */
function checkedReader(recordPath: string, opts: ReadRecordOptions): RecordReader {
  const reader = readerFor(recordPath);
  if (opts.fs !== undefined && reader.format !== "csv")
    throw new UsageError(
      `--fs is for text records (.csv, .tsv, .txt); ${path.basename(recordPath)} is a${reader.format === "edf" ? "n EDF" : " WFDB"} record, whose header gives its rate`,
    );
  return reader;
}

/** A record's name, from its path: `100`, `x` for x.edf or x.csv. */
export function recordName(recordPath: string): string {
  return readerFor(recordPath).name(recordPath);
}

/** A record's signals (names, units, rates, lengths), without their samples where the format allows. */
export function describeRecord(recordPath: string, opts: ReadRecordOptions = {}): RecordDescription {
  return checkedReader(recordPath, opts).describe(recordPath, opts);
}

/**
 * The files a command reads for a record, for the output guard: the record's own (header and signal
 * files, or the one EDF or text file) and the annotation files of the given annotators that exist
 * (`<record path>.<annotator>`). A WFDB header that cannot be read is its error.
 */
export function recordFiles(recordPath: string, annotators: readonly string[] = []): GuardedInput[] {
  const files = readerFor(recordPath).files(recordPath);
  const name = recordName(recordPath);
  for (const a of new Set(annotators)) {
    const file = `${recordPath}.${a}`;
    if (existsSync(file)) files.push({ file, what: `the '${a}' annotations of record ${name}` });
  }
  return files;
}
