// WFDB header files (`.hea`), as specified in the WFDB "header(5)" manual page
// (https://physionet.org/physiotools/wag/header-5.htm): a record line, one line per signal,
// and comment lines starting with `#` anywhere. Lines may end in CRLF (MIT-BIH's do).
import path from "node:path";
import { readFileOrFail, UserError } from "../errors.js";

export interface SignalSpec {
  /** Signal file name, relative to the header's directory. */
  fileName: string;
  /** Storage format (212, 16, 80, …). */
  format: number;
  samplesPerFrame: number;
  skew: number;
  byteOffset: number;
  /** ADC units per physical unit; the spec's default (200) when the header gives 0 or nothing. */
  gain: number;
  /** Digital value of physical zero; defaults to adcZero. */
  baseline: number;
  units: string;
  /** Bits of ADC resolution; the format's natural width when absent. */
  adcResolution: number;
  adcZero: number;
  /** First sample's value (used by the difference format 8). */
  initialValue: number;
  /** 16-bit signed sum of all samples of the signal. Meaningful only when checksumPresent. */
  checksum: number;
  blockSize: number;
  /** Description, e.g. the lead name "MLII"; "record NAME, signal I" when the line gives none. */
  description: string;
  /** Whether the signal line gives a description (else `description` is made up). */
  described: boolean;
  /** Whether the header gave a checksum (a reader verifies only then). */
  checksumPresent: boolean;
  /** 1-based line of the header file this signal was read from (for error messages). */
  line: number;
}

export interface RecordHeader {
  name: string;
  nSignals: number;
  samplingFrequency: number;
  /** Samples per signal (frames); 0 when the header does not say (the signal file's length then decides). */
  nSamples: number;
  baseTime?: string;
  baseDate?: string;
  signals: SignalSpec[];
  comments: string[];
  /** Number of segments for a multi-segment record (`name/nseg`); absent for an ordinary one. */
  nSegments?: number;
  /** The header file read, for error messages. */
  file: string;
}

/** WFDB_DEFGAIN: the gain assumed when the header gives none (or 0). */
export const DEFAULT_GAIN = 200;
/** WFDB_DEFFREQ: the sampling frequency assumed when the record line gives none. */
export const DEFAULT_FREQUENCY = 250;

/**
 * Sane ranges for what a header declares: a bound on the work and memory a small header can ask
 * for (a sampling frequency of Infinity, a billion samples per frame), far beyond real records.
 */
export const HEADER_LIMITS = {
  /** Sampling frequency, Hz: (0, maxFrequency]. */
  maxFrequency: 1e6,
  /** Signals in one record. */
  maxSignals: 4096,
  /** Samples per signal (frames): 2^30, 34 days at 360 Hz. */
  maxSamples: 2 ** 30,
  maxSamplesPerFrame: 1024,
  /** |ADC gain|, ADC units per physical unit. */
  minGain: 1e-6,
  maxGain: 1e12,
  maxResolution: 32,
} as const;

/** The natural ADC resolution of each format, used when the header omits it (header(5)). */
function defaultResolution(format: number): number {
  switch (format) {
    case 8:
    case 80:
      return 8;
    case 310:
    case 311:
      return 10;
    case 212:
      return 12;
    case 24:
      return 24;
    case 32:
      return 32;
    default:
      return 16;
  }
}

/** Reads `<recordPath>.hea`. recordPath is the record without extension, e.g. ".../mitdb/100". */
export function readHeader(recordPath: string): RecordHeader {
  const file = `${recordPath}.hea`;
  return parseHeader(readFileOrFail(file, "header").toString("latin1"), file);
}

/** Parses header text; `file` names the header in error messages. */
export function parseHeader(text: string, file: string): RecordHeader {
  const shown = path.basename(file);
  const fail = (line: number, msg: string): never => {
    throw new UserError(`${shown}: line ${line}: ${msg}`, file);
  };
  const comments: string[] = [];
  const signals: SignalSpec[] = [];
  let header: RecordHeader | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed === "") continue;
    if (trimmed.startsWith("#")) {
      comments.push(trimmed.slice(1).trim());
      continue;
    }
    if (!header) {
      header = parseRecordLine(trimmed, lineNo, file, fail);
      continue;
    }
    if (signals.length < header.nSignals) {
      signals.push(parseSignalLine(trimmed, lineNo, header.name, signals.length, fail));
    }
    // Lines after the signal lines (segment lists of multi-segment records are signal-line shaped) are kept out.
  }
  if (!header) return fail(1, "no record line");
  if (header.nSegments === undefined && signals.length < header.nSignals) {
    fail(lines.length, `record line says ${header.nSignals} signals, found ${signals.length} signal lines`);
  }
  header.signals = header.nSegments === undefined ? signals : [];
  header.comments = comments;
  return header;
}

function parseRecordLine(
  line: string,
  lineNo: number,
  file: string,
  fail: (line: number, msg: string) => never,
): RecordHeader {
  const tok = line.split(/\s+/);
  const [nameTok, nsigTok, freqTok, nsampTok, baseTime, baseDate] = tok;
  const [name, segTok] = nameTok!.split("/");
  // WFDB record names are letters, digits and underscores; a header of garbage fails here.
  if (!/^[\w.~+-]+$/.test(name!))
    fail(lineNo, `bad record name '${name!.slice(0, 40).replace(/[^\x20-\x7e]/g, "?")}'`);
  const nSignals = nsigTok === undefined ? 0 : Number(nsigTok);
  if (!Number.isInteger(nSignals) || nSignals < 0) fail(lineNo, `bad number of signals '${nsigTok}'`);
  if (nSignals > HEADER_LIMITS.maxSignals)
    fail(lineNo, `${nSignals} signals is more than the ${HEADER_LIMITS.maxSignals} accepted`);
  // fs[/counter_freq[(base_counter)]]
  const samplingFrequency = freqTok === undefined ? DEFAULT_FREQUENCY : Number(freqTok.split("/")[0]);
  if (!(samplingFrequency > 0) || !Number.isFinite(samplingFrequency))
    fail(lineNo, `bad sampling frequency '${freqTok}'`);
  if (samplingFrequency > HEADER_LIMITS.maxFrequency)
    fail(
      lineNo,
      `sampling frequency ${samplingFrequency} Hz is above the ${HEADER_LIMITS.maxFrequency} Hz accepted`,
    );
  const nSamples = nsampTok === undefined ? 0 : Number(nsampTok);
  if (!Number.isInteger(nSamples) || nSamples < 0) fail(lineNo, `bad number of samples '${nsampTok}'`);
  if (nSamples > HEADER_LIMITS.maxSamples)
    fail(lineNo, `${nSamples} samples is more than the ${HEADER_LIMITS.maxSamples} accepted`);
  const header: RecordHeader = {
    name: name!,
    nSignals,
    samplingFrequency,
    nSamples,
    signals: [],
    comments: [],
    file,
  };
  if (segTok !== undefined) {
    const nSegments = Number(segTok);
    if (!Number.isInteger(nSegments) || nSegments < 1) fail(lineNo, `bad number of segments '${segTok}'`);
    header.nSegments = nSegments;
  }
  if (baseTime !== undefined) header.baseTime = baseTime;
  if (baseDate !== undefined) header.baseDate = baseDate;
  return header;
}

function intField(
  tok: string | undefined,
  fallback: number,
  what: string,
  lineNo: number,
  fail: (l: number, m: string) => never,
): number {
  if (tok === undefined) return fallback;
  const v = Number(tok);
  if (!Number.isSafeInteger(v)) fail(lineNo, `bad ${what} '${tok}'`);
  return v;
}

function parseSignalLine(
  line: string,
  lineNo: number,
  recordName: string,
  index: number,
  fail: (line: number, msg: string) => never,
): SignalSpec {
  // The description is the rest of the line after the 8th field and may contain spaces.
  const tok = line.split(/\s+/);
  const [fileName, formatTok, gainTok, resTok, zeroTok, initTok, sumTok, blockTok] = tok;
  const description = tok.length > 8 ? tok.slice(8).join(" ") : `record ${recordName}, signal ${index}`;
  if (formatTok === undefined) return fail(lineNo, "signal line has no format");
  // format[xsamples_per_frame][:skew][+byte_offset]
  const fm = /^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$/.exec(formatTok);
  if (!fm) return fail(lineNo, `bad signal format field '${formatTok}'`);
  const format = Number(fm[1]);
  const samplesPerFrame = fm[2] === undefined ? 1 : Number(fm[2]);
  const skew = fm[3] === undefined ? 0 : Number(fm[3]);
  const byteOffset = fm[4] === undefined ? 0 : Number(fm[4]);
  if (samplesPerFrame < 1 || samplesPerFrame > HEADER_LIMITS.maxSamplesPerFrame)
    fail(lineNo, `bad samples per frame in '${formatTok}' (1 to ${HEADER_LIMITS.maxSamplesPerFrame})`);
  if (!Number.isSafeInteger(skew) || skew > HEADER_LIMITS.maxSamples)
    fail(lineNo, `bad skew in '${formatTok}'`);
  if (!Number.isSafeInteger(byteOffset)) fail(lineNo, `bad byte offset in '${formatTok}'`);
  const adcZero = intField(zeroTok, 0, "ADC zero", lineNo, fail);
  // ADCgain[(baseline)][/units]
  let gain = DEFAULT_GAIN;
  let baseline = adcZero;
  let units = "mV";
  if (gainTok !== undefined) {
    const gm = /^([-+0-9.eE]+)(?:\((-?\d+)\))?(?:\/(.*))?$/.exec(gainTok);
    if (!gm || !Number.isFinite(Number(gm[1]))) return fail(lineNo, `bad ADC gain field '${gainTok}'`);
    const g = Number(gm[1]);
    if (g !== 0 && !(Math.abs(g) >= HEADER_LIMITS.minGain && Math.abs(g) <= HEADER_LIMITS.maxGain))
      fail(lineNo, `ADC gain ${g} is outside ${HEADER_LIMITS.minGain} to ${HEADER_LIMITS.maxGain}`);
    gain = g === 0 ? DEFAULT_GAIN : g;
    if (gm[2] !== undefined) baseline = Number(gm[2]);
    if (!Number.isSafeInteger(baseline)) fail(lineNo, `bad baseline in '${gainTok}'`);
    if (gm[3] !== undefined && gm[3] !== "") units = gm[3];
  }
  const adcResolution = intField(resTok, 0, "ADC resolution", lineNo, fail) || defaultResolution(format);
  if (adcResolution < 0 || adcResolution > HEADER_LIMITS.maxResolution)
    fail(lineNo, `ADC resolution ${adcResolution} is outside 0 to ${HEADER_LIMITS.maxResolution} bits`);
  const initialValue = intField(initTok, adcZero, "initial value", lineNo, fail);
  const checksum = intField(sumTok, 0, "checksum", lineNo, fail);
  const blockSize = intField(blockTok, 0, "block size", lineNo, fail);
  return {
    fileName: fileName!,
    format,
    samplesPerFrame,
    skew,
    byteOffset,
    gain,
    baseline,
    units,
    adcResolution,
    adcZero,
    initialValue,
    checksum,
    blockSize,
    description,
    described: tok.length > 8,
    checksumPresent: sumTok !== undefined,
    line: lineNo,
  };
}
