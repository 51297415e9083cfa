// The binary beat cache written beside a heartbeat CSV (`mitbih_train.csv` → `mitbih_train.beats`):
// loading it is a single read (well under a second for the 87k training beats), where the CSV takes
// seconds to parse. It records the CSV's size and modification time and counts as fresh only while
// the CSV still has both.
// Layout (little-endian): "ECGBEAT1" | u32 count | u32 beat length | f64 CSV size | f64 CSV mtime (ms)
// | f32 x[count × beat length] | u8 y[count].
import { existsSync, readFileSync, statSync } from "node:fs";
import { writeFileAtomic } from "../atomic-file.js";
import { BEAT_LENGTH } from "../vocabulary.js";
import type { BeatSet } from "./beats-csv.js";

const MAGIC = "ECGBEAT1";
const HEADER_BYTES = 32;

export function cachePathFor(csvFile: string): string {
  return csvFile.replace(/\.csv$/i, "") + ".beats";
}

interface CsvStamp {
  size: number;
  mtimeMs: number;
}

function stampOf(csvFile: string): CsvStamp | undefined {
  try {
    const s = statSync(csvFile);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return undefined;
  }
}

/** Writes the cache for `csvFile` (which must already be in place: its stamp is recorded). */
export function writeBeatsCache(csvFile: string, set: BeatSet): void {
  const stamp = stampOf(csvFile) ?? { size: -1, mtimeMs: -1 };
  const xBytes = set.count * BEAT_LENGTH * 4;
  const buf = Buffer.alloc(HEADER_BYTES + xBytes + set.count);
  buf.write(MAGIC, 0, "latin1");
  buf.writeUInt32LE(set.count, 8);
  buf.writeUInt32LE(BEAT_LENGTH, 12);
  buf.writeDoubleLE(stamp.size, 16);
  buf.writeDoubleLE(stamp.mtimeMs, 24);
  Buffer.from(set.x.buffer, set.x.byteOffset, xBytes).copy(buf, HEADER_BYTES);
  Buffer.from(set.y.buffer, set.y.byteOffset, set.count).copy(buf, HEADER_BYTES + xBytes);
  writeFileAtomic(cachePathFor(csvFile), buf);
}

/**
 * The cached beats of `csvFile` when the cache exists, is well formed and matches the CSV's size and
 * mtime (or the CSV is gone); undefined otherwise, and the caller parses the CSV.
 */
export function readBeatsCache(csvFile: string): BeatSet | undefined {
  const cacheFile = cachePathFor(csvFile);
  if (!existsSync(cacheFile)) return undefined;
  const buf = readFileSync(cacheFile);
  if (buf.length < HEADER_BYTES || buf.toString("latin1", 0, 8) !== MAGIC) return undefined;
  const count = buf.readUInt32LE(8);
  if (buf.readUInt32LE(12) !== BEAT_LENGTH) return undefined;
  const xBytes = count * BEAT_LENGTH * 4;
  if (buf.length !== HEADER_BYTES + xBytes + count) return undefined;
  const stamp = stampOf(csvFile);
  if (stamp && (stamp.size !== buf.readDoubleLE(16) || stamp.mtimeMs !== buf.readDoubleLE(24)))
    return undefined;
  // Float32Array needs 4-byte alignment; copy only when the Buffer is not aligned.
  const xStart = buf.byteOffset + HEADER_BYTES;
  const x =
    xStart % 4 === 0
      ? new Float32Array(buf.buffer, xStart, count * BEAT_LENGTH)
      : new Float32Array(buf.buffer.slice(xStart, xStart + xBytes));
  const y = new Uint8Array(buf.buffer, buf.byteOffset + HEADER_BYTES + xBytes, count);
  return { x, y, count };
}
