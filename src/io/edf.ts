// EDF and EDF+ files (European Data Format, Kemp et al. 1992; EDF+, Kemp & Olivan 2003,
// https://www.edfplus.info/specs/): a 256-byte ASCII header, 256 bytes more per signal, then data
// records, each holding every signal's samples for `duration` seconds as 16-bit little-endian
// two's-complement integers. A signal's physical value is its digital value mapped linearly from
// [digital min, digital max] onto [physical min, physical max]. EDF+ adds the "EDF Annotations"
// signal: time-stamped annotation lists (edf-annotations.ts), and, in an EDF+D file, data records
// that need not follow each other (read here only when they do). Every refusal names the file and
// the byte the bad field starts at.
import path from "node:path";
import { UserError } from "../errors.js";
import { HEADER_LIMITS } from "../wfdb/header.js";
import { type EdfAnnotationSpan, readAnnotationSpan } from "./edf-annotations.js";
import type { TimedAnnotation } from "./record.js";

/** The label of EDF+'s annotation signals. */
export const EDF_ANNOTATIONS_LABEL = "EDF Annotations";

export interface EdfSignal {
  label: string;
  transducer: string;
  /** Physical dimension ("uV", "mV"). */
  units: string;
  physicalMin: number;
  physicalMax: number;
  digitalMin: number;
  digitalMax: number;
  prefiltering: string;
  /** Samples of this signal in each data record. */
  samplesPerRecord: number;
  /** Byte offset of this signal's samples inside a data record. */
  offsetInRecord: number;
}

export interface EdfFile {
  /** "EDF", "EDF+C" or "EDF+D". */
  kind: "EDF" | "EDF+C" | "EDF+D";
  patient: string;
  recording: string;
  /** The header's start date and time, as written (dd.mm.yy, hh.mm.ss). */
  startDate: string;
  startTime: string;
  /** Data records read. */
  dataRecords: number;
  /** Seconds per data record. */
  recordDuration: number;
  /** The ordinary signals (EDF+ annotation signals apart). */
  signals: EdfSignal[];
  /** Samples per second of each ordinary signal. */
  fs: number[];
  /** EDF+ annotations (onsets in seconds from the first data record); [] for plain EDF. */
  annotations: TimedAnnotation[];
  /** Signal k's samples in its physical units. */
  samples(k: number): Float32Array;
}

const FIXED_HEADER = 256;
const PER_SIGNAL = 256;
/** Widths of the per-signal fields, in header order. */
const SIGNAL_FIELDS = [
  ["label", 16],
  ["transducer", 80],
  ["units", 8],
  ["physicalMin", 8],
  ["physicalMax", 8],
  ["digitalMin", 8],
  ["digitalMax", 8],
  ["prefiltering", 80],
  ["samplesPerRecord", 8],
  ["reserved", 32],
] as const;

/** Parses an EDF/EDF+ file's bytes; `file` names it in messages. */
export function parseEdf(bytes: Uint8Array, file: string): EdfFile {
  const shown = path.basename(file);
  const fail = (byte: number, msg: string): never => {
    throw new UserError(`${shown}: byte ${byte}: ${msg}`, file);
  };
  if (bytes.length < FIXED_HEADER)
    throw new UserError(
      `${shown}: ${bytes.length} bytes is shorter than an EDF header (${FIXED_HEADER} bytes)`,
      file,
    );
  const text = (at: number, width: number): string =>
    Buffer.from(bytes.buffer, bytes.byteOffset + at, width)
      .toString("latin1")
      .trim();
  const shownField = (s: string): string => s.slice(0, 40).replace(/[^\x20-\x7e]/g, "?");
  const number = (at: number, width: number, what: string): number => {
    const raw = text(at, width);
    const v = Number(raw);
    if (raw === "" || !Number.isFinite(v)) fail(at, `${what} '${shownField(raw)}' is not a number`);
    return v;
  };
  const integer = (at: number, width: number, what: string): number => {
    const v = number(at, width, what);
    if (!Number.isSafeInteger(v)) fail(at, `${what} '${shownField(text(at, width))}' is not a whole number`);
    return v;
  };

  const version = text(0, 8);
  if (version !== "0") fail(0, `version '${shownField(version)}' is not EDF's '0' (is this an EDF file?)`);
  const reserved = text(192, 44);
  const kind = reserved.startsWith("EDF+D") ? "EDF+D" : reserved.startsWith("EDF+C") ? "EDF+C" : "EDF";
  const headerBytes = integer(184, 8, "header size");
  let dataRecords = integer(236, 8, "number of data records");
  const recordDuration = number(244, 8, "duration of a data record");
  const ns = integer(252, 4, "number of signals");
  if (ns < 1 || ns > HEADER_LIMITS.maxSignals)
    fail(252, `${ns} signals: an EDF file has 1 to ${HEADER_LIMITS.maxSignals}`);
  if (headerBytes !== FIXED_HEADER + PER_SIGNAL * ns)
    fail(
      184,
      `header size ${headerBytes} is not 256 + 256 × ${ns} signals = ${FIXED_HEADER + PER_SIGNAL * ns}`,
    );
  if (bytes.length < headerBytes)
    throw new UserError(
      `${shown}: truncated: the header of ${ns} signals needs ${headerBytes} bytes, the file has ${bytes.length}`,
      file,
    );
  if (dataRecords < -1) fail(236, `number of data records ${dataRecords} is negative`);
  // EDF+ allows a duration of 0 for a file of annotations only; a signal needs time.
  if (!(recordDuration > 0)) fail(244, `duration of a data record ${recordDuration} s is not positive`);

  // Per-signal fields: each field for every signal, then the next field.
  const fieldAt: Record<string, number> = {};
  let at = FIXED_HEADER;
  for (const [name, width] of SIGNAL_FIELDS) {
    fieldAt[name] = at;
    at += width * ns;
  }
  const all: (EdfSignal & { annotations: boolean })[] = [];
  let offsetInRecord = 0;
  for (let k = 0; k < ns; k++) {
    const f = (name: (typeof SIGNAL_FIELDS)[number][0], width: number) => fieldAt[name]! + k * width;
    const label = text(f("label", 16), 16);
    const annotations = kind !== "EDF" && label === EDF_ANNOTATIONS_LABEL;
    const samplesPerRecord = integer(f("samplesPerRecord", 8), 8, `signal ${k}'s samples per data record`);
    if (samplesPerRecord < 1 || samplesPerRecord > HEADER_LIMITS.maxSamples)
      fail(f("samplesPerRecord", 8), `signal ${k} has ${samplesPerRecord} samples per data record`);
    const signal = {
      label,
      transducer: text(f("transducer", 80), 80),
      units: text(f("units", 8), 8),
      physicalMin: number(f("physicalMin", 8), 8, `signal ${k}'s physical minimum`),
      physicalMax: number(f("physicalMax", 8), 8, `signal ${k}'s physical maximum`),
      digitalMin: integer(f("digitalMin", 8), 8, `signal ${k}'s digital minimum`),
      digitalMax: integer(f("digitalMax", 8), 8, `signal ${k}'s digital maximum`),
      prefiltering: text(f("prefiltering", 80), 80),
      samplesPerRecord,
      offsetInRecord,
      annotations,
    };
    offsetInRecord += 2 * samplesPerRecord;
    if (annotations) {
      all.push(signal);
      continue;
    }
    if (!(signal.digitalMin >= -32768 && signal.digitalMax <= 32767 && signal.digitalMin < signal.digitalMax))
      fail(
        f("digitalMin", 8),
        `signal ${k} (${shownField(label)}): digital range ${signal.digitalMin} to ${signal.digitalMax} is not an increasing 16-bit range`,
      );
    if (signal.physicalMin === signal.physicalMax)
      fail(
        f("physicalMin", 8),
        `signal ${k} (${shownField(label)}): physical minimum and maximum are both ${signal.physicalMin}`,
      );
    const fs = samplesPerRecord / recordDuration;
    if (!(fs > 0 && fs <= HEADER_LIMITS.maxFrequency))
      fail(
        f("samplesPerRecord", 8),
        `signal ${k} (${shownField(label)}): ${samplesPerRecord} samples per ${recordDuration} s is a rate outside 0–${HEADER_LIMITS.maxFrequency} Hz`,
      );
    all.push(signal);
  }
  const recordBytes = offsetInRecord;
  const body = bytes.length - headerBytes;
  const whole = Math.floor(body / recordBytes);
  if (dataRecords === -1) dataRecords = whole;
  else if (whole < dataRecords)
    throw new UserError(
      `${shown}: truncated: ${dataRecords} data records of ${recordBytes} bytes need ${headerBytes + dataRecords * recordBytes} bytes, the file has ${bytes.length}`,
      file,
    );
  for (const s of all)
    if (dataRecords * s.samplesPerRecord > HEADER_LIMITS.maxSamples)
      fail(
        236,
        `${dataRecords} data records of ${s.samplesPerRecord} samples is more than the ${HEADER_LIMITS.maxSamples} samples accepted`,
      );

  const recordStart = (r: number): number => headerBytes + r * recordBytes;
  const annotationSignals = all.filter((s) => s.annotations);
  const annotations: TimedAnnotation[] = [];
  if (annotationSignals.length > 0) {
    let first: number | undefined;
    for (let r = 0; r < dataRecords; r++) {
      for (const [j, s] of annotationSignals.entries()) {
        const start = recordStart(r) + s.offsetInRecord;
        const span: EdfAnnotationSpan = readAnnotationSpan(
          bytes,
          start,
          start + 2 * s.samplesPerRecord,
          shown,
          file,
        );
        if (j === 0) {
          // The first annotation list of each data record keeps its time (EDF+ 2.2.4).
          const onset = span.recordOnset;
          if (onset === undefined)
            return fail(
              start,
              `data record ${r} has no time-keeping annotation (an EDF+ file needs one per record)`,
            );
          const origin = first ?? onset;
          first = origin;
          const expected = origin + r * recordDuration;
          if (Math.abs(onset - expected) > 1e-6 * Math.max(1, recordDuration))
            fail(
              start,
              `data record ${r} starts at ${onset} s, not ${expected} s: a discontinuous recording (EDF+D with gaps) is not read`,
            );
        }
        for (const a of span.annotations) annotations.push({ ...a, onset: a.onset - (first ?? 0) });
      }
    }
  }
  const signals = all.filter((s) => !s.annotations);
  if (signals.length === 0) throw new UserError(`${shown}: no signals, only ${EDF_ANNOTATIONS_LABEL}`, file);
  return {
    kind,
    patient: text(8, 80),
    recording: text(88, 80),
    startDate: text(168, 8),
    startTime: text(176, 8),
    dataRecords,
    recordDuration,
    signals,
    fs: signals.map((s) => s.samplesPerRecord / recordDuration),
    annotations: annotations.sort((a, b) => a.onset - b.onset),
    samples(k: number): Float32Array {
      const s = signals[k];
      if (!s) throw new UserError(`${shown}: no signal ${k} (the file has ${signals.length})`, file);
      const out = new Float32Array(dataRecords * s.samplesPerRecord);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      // physical = (digital − baseline) / gain, the mapping of [digital min, max] onto [physical min, max].
      const gain = (s.digitalMax - s.digitalMin) / (s.physicalMax - s.physicalMin);
      const baseline = s.digitalMin - s.physicalMin * gain;
      let o = 0;
      for (let r = 0; r < dataRecords; r++) {
        let p = recordStart(r) + s.offsetInRecord;
        for (let j = 0; j < s.samplesPerRecord; j++, p += 2)
          out[o++] = (view.getInt16(p, true) - baseline) / gain;
      }
      return out;
    },
  };
}
