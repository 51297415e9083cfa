// Text records behind the record interface (record.ts): `x.csv`, `x.tsv` or `x.txt`, one sample per
// line, one column per signal, separated by commas, semicolons, tabs or blanks (found from the first
// line). What a spreadsheet, a device's export or WFDB's `rdsamp -c -p -v` writes:
//   - a header line of column names is optional; a second line of units may follow it
//     (`'seconds','mV','mV'`), or a name may carry its unit (`MLII (mV)`, `MLII [uV]`);
//   - a column named time (`time`, `t`, `elapsed time`, `seconds`, `timestamp`; numbers in seconds,
//     or ms by its unit; h:mm:ss.fff; ISO 8601 date-times) gives the sampling rate, which must then
//     be even; else `--fs` gives it (both: they must agree);
//   - a column named `sample`/`index` (or, without a header, a first column counting 0, 1, 2, … or
//     1, 2, 3, …) numbers the lines and is not a signal;
//   - every other column is a signal, in its physical unit (mV when it names none); an empty cell,
//     `-` (rdsamp's mark) or `nan` is an invalid sample.
// Lines starting with `#` and blank lines are skipped. A bad line is refused naming the line.
import { statSync } from "node:fs";
import path from "node:path";
import { readFileOrFail, UserError } from "../errors.js";
import { median } from "../signal/median.js";
import { HEADER_LIMITS } from "../wfdb/header.js";
import type { EcgRecord, ReadRecordOptions, RecordReader } from "./record.js";

const EXTENSION = /\.(csv|tsv|txt)$/i;
/** The most text a record may be: V8's strings stop near 512 MiB; such a record belongs in EDF or WFDB. */
const MAX_TEXT_BYTES = 480 * 2 ** 20;
/** How far the time column's rate and --fs may disagree (relative). */
const RATE_AGREEMENT = 0.005;

const TIME_NAMES = new Set([
  "time",
  "t",
  "elapsed time",
  "elapsed_time",
  "elapsed",
  "seconds",
  "sec",
  "secs",
  "timestamp",
  "datetime",
  "date time",
]);
const TIME_MS_NAMES = new Set(["ms", "msec", "time_ms", "time ms", "milliseconds"]);
const INDEX_NAMES = new Set([
  "sample",
  "sample #",
  "sample#",
  "samples",
  "sample_number",
  "index",
  "idx",
  "#",
  "n",
]);
const FLOAT32_MAX = 3.4028234663852886e38;
const MISSING = new Set(["", "-", "nan", "na"]);

export const csvReader: RecordReader = {
  format: "csv",
  claims: (recordPath) => EXTENSION.test(recordPath),
  name: recordName,
  files: (recordPath) => [{ file: recordPath, what: `the text file of record ${recordName(recordPath)}` }],
  read: (recordPath, opts) => readText(recordPath, opts),
  describe: (recordPath, opts) => readText(recordPath, opts),
};

function recordName(recordPath: string): string {
  return path.basename(recordPath).replace(EXTENSION, "");
}

type Role = "time" | "index" | "signal";

interface Column {
  name: string;
  units: string;
  role: Role;
  /** Seconds per unit of a time column. */
  scale: number;
}

function readText(recordPath: string, opts: ReadRecordOptions): EcgRecord {
  const shown = path.basename(recordPath);
  const fail = (line: number, msg: string): never => {
    throw new UserError(`${shown}: line ${line}: ${msg}`, recordPath);
  };
  let size = 0;
  try {
    size = statSync(recordPath).size;
  } catch {
    // readFileOrFail says what is wrong
  }
  if (size > MAX_TEXT_BYTES)
    throw new UserError(
      `${shown}: ${(size / 2 ** 20).toFixed(0)} MiB of text is more than the ${MAX_TEXT_BYTES / 2 ** 20} MiB a text record may be (convert it to EDF or WFDB)`,
      recordPath,
    );
  let text = readFileOrFail(recordPath, "text record", shown).toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split("\n");
  let i = 0;
  const nextContent = (): number => {
    while (i < lines.length) {
      const t = lines[i]!.trim();
      if (t !== "" && !t.startsWith("#")) return i;
      i++;
    }
    return -1;
  };
  const firstAt = nextContent();
  if (firstAt < 0) throw new UserError(`${shown}: no samples (the file has no data lines)`, recordPath);
  const firstLine = lines[firstAt]!.replace(/\r$/, "");
  const split = splitterFor(firstLine);
  let firstFields = split(firstLine);
  const header = firstFields.some((f) => !isNumberOrMissing(f));
  let columns: Column[];
  let headerLine = 0;
  if (header) {
    headerLine = firstAt + 1;
    i = firstAt + 1;
    const unitsAt = nextContent();
    let units: string[] | undefined;
    if (unitsAt >= 0) {
      const fields = split(lines[unitsAt]!.replace(/\r$/, ""));
      if (fields.length === firstFields.length && fields.every((f) => f === "" || !isNumberOrMissing(f))) {
        units = fields;
        i = unitsAt + 1;
      }
    }
    // Blank-separated with one column: a header of several words ("ECG II (uV)") is one name.
    if (units === undefined && unitsAt >= 0 && !/[\t,;]/.test(firstLine)) {
      if (split(lines[unitsAt]!.replace(/\r$/, "")).length === 1) firstFields = [firstLine.trim()];
    }
    columns = firstFields.map((raw, k) => columnOf(raw, units?.[k]));
  } else {
    i = firstAt;
    columns = firstFields.map(() => ({ name: "", units: "", role: "signal" as Role, scale: 1 }));
  }
  const ncols = columns.length;
  const times = columns.filter((c) => c.role === "time");
  if (times.length > 1)
    fail(headerLine, `${times.length} time columns (${times.map((c) => c.name).join(", ")})`);
  // Values, column by column.
  const capacity = lines.length - i;
  const values = columns.map(() => new Float64Array(Math.max(1, capacity)));
  const lineOf = new Int32Array(Math.max(1, capacity));
  let timeDecimals = 0;
  let n = 0;
  for (; i < lines.length; i++) {
    const raw = lines[i]!;
    const t = raw.trim();
    if (t === "" || t.startsWith("#")) continue;
    const fields = split(raw.replace(/\r$/, ""));
    if (fields.length !== ncols)
      fail(
        i + 1,
        `${fields.length} field${fields.length === 1 ? "" : "s"}, where ${header ? `the header (line ${headerLine})` : `line ${firstAt + 1}`} has ${ncols}`,
      );
    if (n >= HEADER_LIMITS.maxSamples)
      fail(i + 1, `more than the ${HEADER_LIMITS.maxSamples} samples accepted`);
    for (let k = 0; k < ncols; k++) {
      const f = fields[k]!;
      const c = columns[k]!;
      let v: number;
      if (c.role === "time") {
        v = timeValue(f);
        if (Number.isNaN(v)) fail(i + 1, `${describe(c, k)}: '${shownField(f)}' is not a time`);
        const dot = f.indexOf(".");
        if (dot >= 0 && n < 1000) timeDecimals = Math.max(timeDecimals, f.length - dot - 1);
        v *= c.scale;
      } else if (MISSING.has(f.toLowerCase())) {
        v = Number.NaN;
      } else {
        v = Number(f);
        if (Number.isNaN(v)) fail(i + 1, `${describe(c, k)}: '${shownField(f)}' is not a number`);
        // Samples are kept as float32: beyond its range a value would become Infinity.
        if (!(Math.abs(v) <= FLOAT32_MAX))
          fail(i + 1, `${describe(c, k)}: '${shownField(f)}' is out of range`);
      }
      values[k]![n] = v;
    }
    lineOf[n] = i + 1;
    n++;
  }
  if (n === 0) throw new UserError(`${shown}: no samples after the header`, recordPath);
  // Without a header, a first column counting the lines is their number, not a signal.
  if (!header && ncols > 1 && isCount(values[0]!, n)) columns[0]!.role = "index";
  const signalColumns = columns.flatMap((c, k) => (c.role === "signal" ? [k] : []));
  if (signalColumns.length === 0)
    fail(headerLine || firstAt + 1, "no signal column (only time or sample-number columns)");
  const timeIndex = columns.findIndex((c) => c.role === "time");
  const fs = rateOf(
    timeIndex >= 0
      ? { t: values[timeIndex]!, decimals: timeDecimals, scale: columns[timeIndex]!.scale }
      : undefined,
    n,
    lineOf,
    opts.fs,
    shown,
    recordPath,
  );
  const signals = signalColumns.map((k, s) => ({
    name: columns[k]!.name !== "" ? columns[k]!.name : `signal ${s}`,
    named: columns[k]!.name !== "",
    units: columns[k]!.units,
    fs,
    length: n,
  }));
  return {
    format: "csv",
    path: recordPath,
    name: recordName(recordPath),
    file: recordPath,
    signals,
    samples(index: number): Float32Array {
      const k = signalColumns[index];
      if (k === undefined)
        throw new UserError(
          `${shown}: no signal ${index} (the file has ${signalColumns.length})`,
          recordPath,
        );
      return Float32Array.from(values[k]!.subarray(0, n));
    },
    annotations: [],
    comments: [],
  };
}

/** The sampling rate: --fs, or the time column's (even steps, within its printed resolution); both must agree. */
function rateOf(
  time: { t: Float64Array; decimals: number; scale: number } | undefined,
  n: number,
  lineOf: Int32Array,
  given: number | undefined,
  shown: string,
  file: string,
): number {
  if (time === undefined) {
    if (given === undefined)
      throw new UserError(
        `${shown}: no time column to give the sampling rate: give it with --fs HZ (or add a 'time' column in seconds)`,
        file,
      );
    return given;
  }
  const { t } = time;
  if (n < 2) throw new UserError(`${shown}: one sample: a time column gives no rate (give --fs HZ)`, file);
  const span = t[n - 1]! - t[0]!;
  if (!(span > 0))
    throw new UserError(
      `${shown}: line ${lineOf[n - 1]}: the time column does not increase (${t[0]} to ${t[n - 1]})`,
      file,
    );
  const resolution = 10 ** -time.decimals * time.scale;
  // Step by step first, against the median step of the first 1000: a gap or a jump is named where it is.
  const steps: number[] = [];
  for (let j = 1; j <= Math.min(n - 1, 1000); j++) steps.push(t[j]! - t[j - 1]!);
  const step = median(steps);
  if (step > 0) {
    for (let j = 1; j < n; j++) {
      const dt = t[j]! - t[j - 1]!;
      if (Math.abs(dt - step) > resolution + 0.25 * step)
        throw new UserError(
          `${shown}: line ${lineOf[j]}: time ${Number((t[j]! / time.scale).toPrecision(12))} comes ${dt.toPrecision(3)} s after the line before, where the steps are ${step.toPrecision(3)} s: ` +
            "a gap or uneven sampling (resample it, or give --fs to read the lines as evenly spaced)",
          file,
        );
    }
  }
  let fs = (n - 1) / span;
  // Then the whole: times printed to a few decimals (rdsamp: milliseconds) are off the grid by up
  // to half their resolution, and never drift further.
  const tolerance = 0.5 * resolution + 0.25 / fs;
  for (let j = 0; j < n; j++) {
    const off = t[j]! - (t[0]! + j / fs);
    if (Math.abs(off) > tolerance)
      throw new UserError(
        `${shown}: line ${lineOf[j]}: time ${Number((t[j]! / time.scale).toPrecision(12))} is ${Math.abs(off).toPrecision(3)} s off the even steps of ${fs.toPrecision(6)} Hz: ` +
          "a gap or uneven sampling (resample it, or give --fs to read the lines as evenly spaced)",
        file,
      );
  }
  const whole = Math.round(fs);
  fs = Math.abs(fs - whole) <= 1e-3 * fs ? whole : Number(fs.toPrecision(6));
  if (given !== undefined) {
    if (Math.abs(given - fs) > RATE_AGREEMENT * fs)
      throw new UserError(`${shown}: its time column says ${fs} Hz, --fs says ${given} Hz`, file);
    return given;
  }
  return fs;
}

/** A column's name and role from its header cell (and the units line's cell). */
function columnOf(raw: string, unitsCell: string | undefined): Column {
  let name = raw;
  let units = unitsCell ?? "";
  const m = /^(.*?)\s*[([]\s*([^)\]]*)\s*[)\]]$/.exec(raw);
  if (m && m[1] !== "") {
    name = m[1]!;
    if (units === "") units = m[2]!;
  }
  const key = name.trim().toLowerCase();
  const unitKey = units.trim().toLowerCase();
  if (TIME_MS_NAMES.has(key)) return { name, units: units || "ms", role: "time", scale: 1e-3 };
  if (TIME_NAMES.has(key)) {
    const ms = unitKey === "ms" || unitKey === "msec" || unitKey === "milliseconds";
    return { name, units, role: "time", scale: ms ? 1e-3 : 1 };
  }
  if (INDEX_NAMES.has(key)) return { name, units, role: "index", scale: 1 };
  return { name, units, role: "signal", scale: 1 };
}

/** A field splitter for lines like this one: tab, comma, semicolon, else blanks; quotes are taken off. */
function splitterFor(line: string): (line: string) => string[] {
  const sep = line.includes("\t") ? "\t" : line.includes(",") ? "," : line.includes(";") ? ";" : undefined;
  const unquote = (f: string): string => {
    const t = f.trim();
    const q = t[0];
    return (q === '"' || q === "'") && t.length >= 2 && t[t.length - 1] === q ? t.slice(1, -1).trim() : t;
  };
  if (sep === undefined) return (l) => l.trim().split(/\s+/).map(unquote);
  return (l) => l.split(sep).map(unquote);
}

function isNumberOrMissing(f: string): boolean {
  return MISSING.has(f.toLowerCase()) || !Number.isNaN(Number(f)) || !Number.isNaN(clockSeconds(f));
}

/** A time cell: seconds as a number, a clock reading [[h:]m:]s(.fff), or an ISO 8601 date and time. */
function timeValue(f: string): number {
  const v = Number(f);
  if (f !== "" && !Number.isNaN(v)) return v;
  return clockSeconds(f);
}

function clockSeconds(f: string): number {
  const m = /^(?:(\d+):)?(\d+):(\d+(?:\.\d*)?)$/.exec(f);
  if (m) return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  // A date and time (ISO 8601, as loggers stamp lines): seconds since 1970, to the millisecond.
  if (/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/.test(f)) {
    const ms = Date.parse(f.replace(" ", "T"));
    return Number.isNaN(ms) ? Number.NaN : ms / 1000;
  }
  return Number.NaN;
}

/** Whether a column holds 0, 1, 2, … or 1, 2, 3, … (a line number). */
function isCount(v: Float64Array, n: number): boolean {
  const first = v[0]!;
  if (first !== 0 && first !== 1) return false;
  for (let j = 1; j < n; j++) if (v[j] !== first + j) return false;
  return n > 1;
}

function describe(c: Column, k: number): string {
  return c.name !== "" ? `column ${k + 1} (${shownField(c.name)})` : `column ${k + 1}`;
}

function shownField(s: string): string {
  return s.slice(0, 40).replace(/[^\x20-\x7e]/g, "?");
}
