// The binary beat cache: loading one is a single read (a few tens of ms for the 87k training beats),
// where parsing the CSV takes seconds. A cache is valid by content, never by date: it holds the
// SHA-256 of what it was made from (the CSV, then the dataset's index when the set carries its rhythm
// features), and counts only while that still hashes the same. Hashing the 103 MB training CSV costs
// about 0.1 s (SHA-256 with the CPU's SHA instructions, reading included), so the whole file is hashed
// rather than a sample of it.
// Where: a directory made by `ecg data build` is ours, and keeps its caches inside it
// (mitbih_train.csv → mitbih_train.beats); any other CSV is a user's file, and its cache goes to the
// cache folder ($ECG_BEATS_CACHE, else $XDG_CACHE_HOME/ecg-beats, else ~/.cache/ecg-beats), named by
// the hash, never beside the file. The folder keeps the CACHE_FOLDER_ENTRIES most recently used.
// Layout (little-endian): "ECGBEAT2" | u32 count | u32 beat length | u32 rhythm features per beat
// (0: none) | u32 bytes of the record table (0: none) | 32-byte SHA-256 of the source | f32 x[count ×
// beat length] | f32 rhythm[count × features] | u32 record number[count] (with a table) | u8 y[count] |
// the record table (a JSON array of names).
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  utimesSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeFileAtomic } from "../atomic-file.js";
import { BEAT_LENGTH, RHYTHM_FEATURE_COUNT } from "../vocabulary.js";
import type { BeatSet } from "./beats-csv.js";
import { builtSideOf, INDEX_FILE } from "./dataset-dir.js";

const MAGIC = "ECGBEAT2";
const HEADER_BYTES = 56;
const HASH_BYTES = 32;
/** Caches kept in the cache folder (a training CSV's is 66 MB). */
export const CACHE_FOLDER_ENTRIES = 8;
/** Overrides the cache folder (tests point it at a temporary directory). */
export const CACHE_ENV = "ECG_BEATS_CACHE";

/** The folder for caches of CSVs that are not in a dataset directory of ours. */
export function cacheFolder(): string {
  const own = process.env[CACHE_ENV];
  if (own) return own;
  const xdg = process.env["XDG_CACHE_HOME"];
  return path.join(xdg ? xdg : path.join(os.homedir(), ".cache"), "ecg-beats");
}

/** Where a CSV's cache lives and what it must have been made from. */
interface CacheKey {
  file: string;
  /** SHA-256 of the source; undefined when the CSV is gone (a built directory's cache is then trusted). */
  hash: Buffer | undefined;
  /** In a directory of ours (beside the CSV), rather than in the cache folder. */
  beside: boolean;
}

function hashFiles(files: string[]): Buffer {
  const h = createHash("sha256");
  const block = Buffer.allocUnsafe(4 << 20);
  for (const file of files) {
    const fd = openSync(file, "r");
    try {
      for (let n = readSync(fd, block); n > 0; n = readSync(fd, block)) h.update(block.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }
  return h.digest();
}

function cacheKey(csvFile: string): CacheKey | undefined {
  const side = builtSideOf(csvFile);
  const csvExists = existsSync(csvFile);
  if (side !== undefined) {
    const index = path.join(path.dirname(csvFile), INDEX_FILE);
    return {
      file: `${csvFile.replace(/\.csv$/i, "")}.beats`,
      hash: csvExists ? hashFiles(existsSync(index) ? [csvFile, index] : [csvFile]) : undefined,
      beside: true,
    };
  }
  if (!csvExists) return undefined;
  const hash = hashFiles([csvFile]);
  return { file: path.join(cacheFolder(), `${hash.toString("hex")}.beats`), hash, beside: false };
}

/** The cache file of `csvFile` (beside it in a directory of ours, else in the cache folder). */
export function cachePathFor(csvFile: string): string {
  const key = cacheKey(csvFile);
  if (key === undefined) throw new Error(`${csvFile}: no such file to cache`);
  return key.file;
}

/**
 * Writes the cache of `csvFile` (which must already be in place: its content is hashed). A cache that
 * cannot be written (a read-only folder) is skipped: it only costs the next load a parse.
 */
export function writeBeatsCache(csvFile: string, set: BeatSet): void {
  const key = cacheKey(csvFile);
  if (key?.hash === undefined) return;
  writeCacheAt(key, set);
}

function writeCacheAt(key: CacheKey, set: BeatSet): void {
  const { count } = set;
  const features = set.rhythm ? set.rhythm.length / Math.max(1, count) : 0;
  let table = Buffer.alloc(0);
  let recordNumber: Uint32Array | undefined;
  if (set.records) {
    const names: string[] = [];
    const numberOf = new Map<string, number>();
    recordNumber = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      const r = set.records[i]!;
      let k = numberOf.get(r);
      if (k === undefined) {
        k = names.push(r) - 1;
        numberOf.set(r, k);
      }
      recordNumber[i] = k;
    }
    table = Buffer.from(JSON.stringify(names), "utf8");
  }
  const xBytes = count * BEAT_LENGTH * 4;
  const rBytes = count * features * 4;
  const nBytes = recordNumber ? count * 4 : 0;
  const buf = Buffer.alloc(HEADER_BYTES + xBytes + rBytes + nBytes + count + table.length);
  buf.write(MAGIC, 0, "latin1");
  buf.writeUInt32LE(count, 8);
  buf.writeUInt32LE(BEAT_LENGTH, 12);
  buf.writeUInt32LE(features, 16);
  buf.writeUInt32LE(recordNumber ? table.length : 0, 20);
  key.hash!.copy(buf, 24);
  let at = HEADER_BYTES;
  const put = (a: ArrayBufferView, bytes: number): void => {
    Buffer.from(a.buffer, a.byteOffset, bytes).copy(buf, at);
    at += bytes;
  };
  put(set.x, xBytes);
  if (set.rhythm) put(set.rhythm, rBytes);
  if (recordNumber) put(recordNumber, nBytes);
  put(set.y, count);
  if (recordNumber) table.copy(buf, at);
  try {
    if (!key.beside) mkdirSync(path.dirname(key.file), { recursive: true });
    writeFileAtomic(key.file, buf);
    if (!key.beside) trimCacheFolder(path.dirname(key.file));
  } catch {
    // A read-only directory only costs the next load a parse.
  }
}

/** Keeps the CACHE_FOLDER_ENTRIES most recently used caches of the folder (only our own files). */
function trimCacheFolder(folder: string): void {
  const ours = readdirSync(folder)
    .filter((f) => /^[0-9a-f]{64}\.beats$/.test(f))
    .map((f) => ({ file: path.join(folder, f), used: statSync(path.join(folder, f)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  for (const old of ours.slice(CACHE_FOLDER_ENTRIES)) rmSync(old.file, { force: true });
}

/**
 * The cached beats of `csvFile` when a cache exists, is well formed and was made from the CSV as it is
 * now (in a directory of ours whose CSV is gone, the cache is all there is, and is used); undefined
 * otherwise, and the caller parses the CSV.
 */
export function readBeatsCache(csvFile: string): BeatSet | undefined {
  const key = cacheKey(csvFile);
  return key === undefined ? undefined : readCacheAt(key);
}

function readCacheAt(key: CacheKey): BeatSet | undefined {
  if (!existsSync(key.file)) return undefined;
  const buf = readFileSync(key.file);
  if (buf.length < HEADER_BYTES || buf.toString("latin1", 0, 8) !== MAGIC) return undefined;
  if (buf.readUInt32LE(12) !== BEAT_LENGTH) return undefined;
  if (key.hash !== undefined && !key.hash.equals(buf.subarray(24, 24 + HASH_BYTES))) return undefined;
  const count = buf.readUInt32LE(8);
  const features = buf.readUInt32LE(16);
  if (features !== 0 && features !== RHYTHM_FEATURE_COUNT) return undefined;
  const tableBytes = buf.readUInt32LE(20);
  const xBytes = count * BEAT_LENGTH * 4;
  const rBytes = count * features * 4;
  const nBytes = tableBytes > 0 ? count * 4 : 0;
  if (buf.length !== HEADER_BYTES + xBytes + rBytes + nBytes + count + tableBytes) return undefined;
  let at = buf.byteOffset + HEADER_BYTES;
  // Typed arrays need aligned offsets; copy only when the Buffer is not aligned.
  const view = <T>(
    make: (b: ArrayBufferLike, offset: number, length: number) => T,
    bytes: number,
    size: number,
  ): T => {
    const start = at;
    at += bytes;
    return start % size === 0
      ? make(buf.buffer, start, bytes / size)
      : make(buf.buffer.slice(start, start + bytes), 0, bytes / size);
  };
  const x = view((b, o, n) => new Float32Array(b, o, n), xBytes, 4);
  const rhythm = features > 0 ? view((b, o, n) => new Float32Array(b, o, n), rBytes, 4) : undefined;
  const numbers = tableBytes > 0 ? view((b, o, n) => new Uint32Array(b, o, n), nBytes, 4) : undefined;
  const y = view((b, o, n) => new Uint8Array(b, o, n), count, 1);
  let records: string[] | undefined;
  if (numbers) {
    let names: unknown;
    try {
      names = JSON.parse(buf.toString("utf8", at - buf.byteOffset, at - buf.byteOffset + tableBytes));
    } catch {
      return undefined;
    }
    if (!Array.isArray(names) || !names.every((n) => typeof n === "string")) return undefined;
    const table = names as string[];
    records = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      const name = table[numbers[i]!];
      if (name === undefined) return undefined;
      records[i] = name;
    }
  }
  if (!key.beside) {
    try {
      const now = new Date();
      utimesSync(key.file, now, now); // most recently used
    } catch {
      // Only the folder's trimming order suffers.
    }
  }
  return { x, y, count, ...(rhythm ? { rhythm } : {}), ...(records ? { records } : {}) };
}

/**
 * The beats of `csvFile` from its cache when that is valid, else from `parse()` (whose result is then
 * cached). One hash of the source serves both the lookup and the write.
 */
export function cachedBeats(
  csvFile: string,
  parse: () => BeatSet,
  accept: (set: BeatSet) => boolean,
): BeatSet {
  const key = cacheKey(csvFile);
  const cached = key === undefined ? undefined : readCacheAt(key);
  if (cached && accept(cached)) return cached;
  const set = parse();
  if (key?.hash !== undefined) writeCacheAt(key, set);
  return set;
}
