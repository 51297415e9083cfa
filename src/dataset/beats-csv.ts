// The Kaggle heartbeat CSV (Fazeli's "ECG Heartbeat Categorization Dataset"): no header, one beat per
// row, 187 samples then the label (0..4, written by Kaggle as "0.000000000000000000e+00").
// Parsing is hand-written over the raw bytes (109k rows × 188 cells): a per-cell split/parseFloat
// costs several times more.

import { AtomicFile } from "../atomic-file.js";
import { displayPath } from "../display-path.js";
import { readFileOrFail, UserError } from "../errors.js";
import { BEAT_LENGTH, CLASS_NAMES, N_CLASSES } from "../vocabulary.js";

export interface BeatSet {
  /** count × BEAT_LENGTH samples. */
  x: Float32Array;
  /** 0..4, or UNLABELLED. */
  y: Uint8Array;
  count: number;
  /**
   * count × RHYTHM_FEATURE_COUNT rhythm features (src/dataset/rhythm.ts), row per beat: present when
   * the beats come from a dataset directory made by `ecg data build` (its index), absent for a
   * Kaggle CSV from elsewhere (which has no beat positions to compute them from).
   */
  rhythm?: Float32Array;
  /** The record each beat comes from (for record-wise validation), known from the same index. */
  records?: string[];
}

/** The label of a beat with none. */
export const UNLABELLED = 255;

export type LabelMode = "required" | "optional" | "none";

const POW10 = Array.from({ length: 301 }, (_, i) => 10 ** i);

const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * Reads a Kaggle-format CSV. labels: "required" (BEAT_LENGTH + 1 columns), "optional" (BEAT_LENGTH or BEAT_LENGTH + 1, the same for
 * every row), "none" (BEAT_LENGTH, or BEAT_LENGTH + 1 with the last column ignored).
 */
export function readBeatsCsv(file: string, opts: { labels?: LabelMode } = {}): BeatSet {
  const bytes = readFileOrFail(file, "beats CSV", displayPath(file));
  return parseBeatsCsv(bytes, file, opts.labels ?? "required");
}

export function parseBeatsCsv(bytes: Uint8Array, file: string, mode: LabelMode): BeatSet {
  const shown = displayPath(file);
  // Rows end in LF, CRLF or a CR alone (old Mac files): one row per LF and per CR not before an LF.
  let rowsUpperBound = 1;
  for (let p = bytes.indexOf(LF); p >= 0; p = bytes.indexOf(LF, p + 1)) rowsUpperBound++;
  for (let p = bytes.indexOf(CR); p >= 0; p = bytes.indexOf(CR, p + 1))
    if (bytes[p + 1] !== LF) rowsUpperBound++;
  const x = new Float32Array(rowsUpperBound * BEAT_LENGTH);
  const y = new Uint8Array(rowsUpperBound);
  const row = new Float64Array(BEAT_LENGTH + 1);
  let columns = mode === "required" ? BEAT_LENGTH + 1 : 0; // 0: decided by the first row
  let count = 0;
  let line = 0;
  let pos = 0;
  const n = bytes.length;
  const fail = (msg: string): never => {
    throw new UserError(`${shown}: line ${line}: ${msg}`, file);
  };
  const cellText = (start: number): string => {
    let end = start;
    while (end < n && bytes[end] !== COMMA && bytes[end] !== LF && bytes[end] !== CR) end++;
    return Buffer.from(bytes.subarray(start, end)).toString("utf8").slice(0, 40);
  };

  while (pos < n) {
    line++;
    // An empty line (the end of the file, or a blank line) holds no beat.
    if (bytes[pos] === LF || bytes[pos] === CR) {
      pos += bytes[pos] === CR && bytes[pos + 1] === LF ? 2 : 1;
      continue;
    }
    let col = 0;
    for (;;) {
      // One number: [sign] digits [. digits] [e [sign] digits], blanks around it allowed.
      while (bytes[pos] === 32 || bytes[pos] === 9) pos++;
      const cellStart = pos;
      let c = bytes[pos];
      let negative = false;
      if (c === 45 || c === 43) {
        negative = c === 45;
        c = bytes[++pos];
      }
      const numberStart = pos;
      let mantissa = 0;
      let digits = 0;
      let exponent = 0;
      while (c !== undefined && c >= 48 && c <= 57) {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
        c = bytes[++pos];
      }
      if (c === 46) {
        c = bytes[++pos];
        while (c !== undefined && c >= 48 && c <= 57) {
          mantissa = mantissa * 10 + (c - 48);
          digits++;
          exponent--;
          c = bytes[++pos];
        }
      }
      if (digits === 0) {
        const text = cellText(cellStart);
        fail(text === "" ? `column ${col + 1}: empty cell` : `column ${col + 1}: not a number: '${text}'`);
      }
      if (c === 101 || c === 69) {
        c = bytes[++pos];
        let expNegative = false;
        if (c === 45 || c === 43) {
          expNegative = c === 45;
          c = bytes[++pos];
        }
        let e = 0;
        let expDigits = 0;
        while (c !== undefined && c >= 48 && c <= 57) {
          e = e * 10 + (c - 48);
          expDigits++;
          c = bytes[++pos];
        }
        if (expDigits === 0) fail(`column ${col + 1}: not a number: '${cellText(cellStart)}'`);
        exponent += expNegative ? -e : e;
      }
      const numberEnd = pos;
      while (c === 32 || c === 9) c = bytes[++pos];
      if (c !== undefined && c !== COMMA && c !== LF && c !== CR) {
        fail(`column ${col + 1}: not a number: '${cellText(cellStart)}'`);
      }
      let value = mantissa;
      if (mantissa >= 1e300 || exponent > 300 || exponent < -300)
        // Hundreds of digits, or an exponent near the double's range: the mantissa or the power of ten
        // would overflow, so the number is read exactly by the engine (the syntax is checked above).
        value = Number(Buffer.from(bytes.subarray(numberStart, numberEnd)).toString("latin1"));
      else if (exponent < 0) value /= POW10[-exponent]!;
      else if (exponent > 0) value *= POW10[exponent]!;
      // Beats are float32: 1e39 would become Infinity there.
      if (!Number.isFinite(Math.fround(value)))
        fail(`column ${col + 1}: number out of range: '${cellText(cellStart)}'`);
      if (col <= BEAT_LENGTH) row[col] = negative ? -value : value;
      col++;
      if (c === COMMA) {
        pos++;
        continue;
      }
      // End of the row.
      if (c === CR) pos++;
      if (bytes[pos] === LF) pos++;
      break;
    }
    if (columns === 0) {
      if (col !== BEAT_LENGTH && col !== BEAT_LENGTH + 1) {
        fail(
          `expected ${BEAT_LENGTH} samples or ${BEAT_LENGTH} samples + label (${BEAT_LENGTH + 1} columns), found ${col} columns`,
        );
      }
      columns = col;
    }
    if (col !== columns) fail(`expected ${columns} columns, found ${col}`);
    x.set(row.subarray(0, BEAT_LENGTH), count * BEAT_LENGTH);
    if (columns === BEAT_LENGTH + 1 && mode !== "none") {
      const label = row[BEAT_LENGTH]!;
      if (!Number.isInteger(label) || label < 0 || label >= N_CLASSES) {
        fail(`label ${label} is not one of 0..${N_CLASSES - 1} (${CLASS_NAMES.join(" ")})`);
      }
      y[count] = label;
    } else {
      y[count] = UNLABELLED;
    }
    count++;
  }
  if (count === 0) throw new UserError(`${shown}: no beats (empty file)`, file);
  return { x: x.slice(0, count * BEAT_LENGTH), y: y.slice(0, count), count };
}

/** Formats v ∈ [0, 1] (or any value) with up to 6 decimals, trailing zeros dropped; returns the new offset. */
function putNumber(buf: Buffer, at: number, v: number): number {
  if (!(v >= 0 && v <= 1))
    return at + buf.write(Number.isNaN(v) ? "nan" : String(Math.round(v * 1e6) / 1e6), at, "latin1");
  let q = Math.round(v * 1e6);
  if (q === 0) {
    buf[at] = 48;
    return at + 1;
  }
  if (q === 1e6) {
    buf[at] = 49;
    return at + 1;
  }
  buf[at] = 48;
  buf[at + 1] = 46;
  let end = at + 8;
  for (let k = at + 7; k >= at + 2; k--) {
    buf[k] = 48 + (q % 10);
    q = Math.floor(q / 10);
  }
  while (buf[end - 1] === 48) end--;
  return end;
}

/** Writes beats (rows `rows`, or all) as a Kaggle-format CSV, atomically. */
export function writeBeatsCsv(file: string, set: BeatSet, rows?: ArrayLike<number>): void {
  const out = new AtomicFile(file);
  try {
    writeBeatsCsvTo(out, set, rows);
    out.commit();
  } catch (e) {
    out.abort();
    throw e;
  }
}

/** Writes the CSV rows into an open AtomicFile (the caller commits or aborts it). */
export function writeBeatsCsvTo(out: AtomicFile, set: BeatSet, rows?: ArrayLike<number>): void {
  const total = rows ? rows.length : set.count;
  const rowsPerChunk = 2048;
  // A row needs at most 187 × (a number + ",") + label + newline.
  const chunk = Buffer.alloc(rowsPerChunk * (BEAT_LENGTH * 24 + 8));
  for (let first = 0; first < total; first += rowsPerChunk) {
    let at = 0;
    const last = Math.min(total, first + rowsPerChunk);
    for (let r = first; r < last; r++) {
      const i = rows ? rows[r]! : r;
      const base = i * BEAT_LENGTH;
      for (let j = 0; j < BEAT_LENGTH; j++) {
        at = putNumber(chunk, at, set.x[base + j]!);
        chunk[at++] = COMMA;
      }
      const label = set.y[i]!;
      if (label === UNLABELLED)
        at--; // no label column
      else at += chunk.write(String(label), at, "latin1");
      chunk[at++] = LF;
    }
    out.write(chunk.subarray(0, at));
  }
}
