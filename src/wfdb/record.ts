// A WFDB record: its header and the digital samples of every signal, read from the signal files
// the header names (several signals may share one file, interleaved frame by frame).
import path from "node:path";
import { readFileOrFail, UserError } from "../errors.js";
import type { GuardedInput } from "../output-guard.js";
import { SUPPORTED_FORMATS, signalFormat } from "./formats/index.js";
import { type RecordHeader, readHeader, type SignalSpec } from "./header.js";

export interface WfdbRecord {
  header: RecordHeader;
  /** One array per signal: nSamples × samplesPerFrame digital (ADC) values. */
  digital: Int32Array[];
}

export interface ReadRecordOptions {
  /** Compare each signal's 16-bit sum with the header's checksum (default true). */
  verifyChecksums?: boolean;
}

/** A UserError about a record, its message made to name the record ("record 100: …") if it does not. */
export function namingRecord(e: unknown, recordPath: string): unknown {
  const name = path.basename(recordPath);
  if (e instanceof UserError && !e.message.includes(name))
    return new UserError(`record ${name}: ${e.message}`, e.culprit ?? recordPath);
  return e;
}

/** Reads `<recordPath>.hea` and its signal files. */
export function readRecord(recordPath: string, opts: ReadRecordOptions = {}): WfdbRecord {
  const header = readHeader(recordPath);
  const headerName = path.basename(header.file);
  if (header.nSegments !== undefined) {
    throw new UserError(`${headerName}: multi-segment records are not supported`, header.file);
  }
  const dir = path.dirname(recordPath);
  const digital: Int32Array[] = new Array(header.nSignals);
  // Group signals by file, in header order; WFDB requires one format per file.
  const groups = new Map<string, number[]>();
  header.signals.forEach((s, i) => {
    const g = groups.get(s.fileName);
    if (g) g.push(i);
    else groups.set(s.fileName, [i]);
  });
  for (const [fileName, indices] of groups) {
    const specs = indices.map((i) => header.signals[i]!);
    const decoded = readSignalFile(path.join(dir, fileName), headerName, header, specs);
    indices.forEach((sig, k) => {
      digital[sig] = decoded[k]!;
    });
  }
  const record: WfdbRecord = { header, digital };
  if (opts.verifyChecksums ?? true) verifyChecksums(record);
  return record;
}

function readSignalFile(
  file: string,
  headerName: string,
  header: RecordHeader,
  specs: SignalSpec[],
): Int32Array[] {
  const first = specs[0]!;
  // As the header names it (100.dat; ../x/y.dat names more than its last part).
  const shown = first.fileName;
  if (first.format === 0) {
    // Format 0: a null signal with no file; every sample reads as zero.
    return specs.map((s) => new Int32Array(header.nSamples * s.samplesPerFrame));
  }
  // An unsupported format is reported before a mix of formats: it is the more useful message.
  for (const s of specs) {
    if (!signalFormat(s.format)) {
      throw new UserError(
        `${headerName}: line ${s.line}: signal format ${s.format} is not supported (supported: ${SUPPORTED_FORMATS.join(", ")})`,
        header.file,
      );
    }
  }
  for (const s of specs) {
    if (s.format !== first.format) {
      throw new UserError(
        `${headerName}: line ${s.line}: signals in ${first.fileName} mix formats ${first.format} and ${s.format}`,
        header.file,
      );
    }
  }
  const fmt = signalFormat(first.format)!;
  const bytes = readFileOrFail(file, "signal file", shown);
  const body = bytes.subarray(Math.min(first.byteOffset, bytes.length));
  const frameSize = specs.reduce((n, s) => n + s.samplesPerFrame, 0);
  const maxSkew = Math.max(...specs.map((s) => s.skew));
  let nFrames = header.nSamples;
  if (nFrames === 0) nFrames = Math.floor(fmt.samplesIn(body.length) / frameSize);
  // Skewed signals need their extra frames from the file too.
  const framesToRead = nFrames + maxSkew;
  const needSamples = framesToRead * frameSize;
  const needBytes = fmt.bytesFor(nFrames * frameSize);
  if (body.length < needBytes) {
    throw new UserError(
      `${shown}: truncated: expected ${needBytes + first.byteOffset} bytes for ${nFrames} samples, found ${bytes.length}`,
      file,
    );
  }
  const available = Math.min(needSamples, Math.floor(fmt.samplesIn(body.length) / frameSize) * frameSize);
  const stream = new Int32Array(available);
  const signalOfSlot = new Int32Array(frameSize);
  const slotStart: number[] = [];
  let slot = 0;
  specs.forEach((s, k) => {
    slotStart.push(slot);
    for (let j = 0; j < s.samplesPerFrame; j++) signalOfSlot[slot++] = k;
  });
  fmt.decode(body, stream, { signalOfSlot, initialValues: specs.map((s) => s.initialValue) });
  const framesAvailable = available / frameSize;
  return specs.map((s, k) => {
    const spf = s.samplesPerFrame;
    const out = new Int32Array(nFrames * spf);
    const start = slotStart[k]!;
    for (let f = 0; f < nFrames; f++) {
      const src = f + s.skew;
      for (let j = 0; j < spf; j++) {
        out[f * spf + j] = src < framesAvailable ? stream[src * frameSize + start + j]! : fmt.invalidSample;
      }
    }
    return out;
  });
}

/** The WFDB checksum: the 16-bit two's complement sum of all samples of a signal. */
export function signalChecksum(samples: Int32Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum = (sum + samples[i]!) | 0;
  return ((sum & 0xffff) << 16) >> 16;
}

function verifyChecksums(record: WfdbRecord): void {
  const { header } = record;
  header.signals.forEach((s, i) => {
    if (!s.checksumPresent || s.format === 0) return;
    const got = signalChecksum(record.digital[i]!);
    const want = ((s.checksum & 0xffff) << 16) >> 16;
    if (got !== want) {
      throw new UserError(
        `${s.fileName}: signal ${i} (${s.description}): checksum ${got} does not match ${path.basename(header.file)} line ${s.line} (${s.checksum})`,
        path.join(path.dirname(header.file), s.fileName),
      );
    }
  });
}

/** Physical values in the signal's units (mV for ECG): (digital − baseline) / gain; invalid samples become NaN. */
export function toPhysical(record: WfdbRecord, signalIndex: number): Float32Array {
  const spec = record.header.signals[signalIndex];
  const d = record.digital[signalIndex];
  if (!spec || !d) {
    throw new UserError(
      `${record.header.name}: no signal ${signalIndex} (the record has ${record.header.nSignals})`,
    );
  }
  return digitalToPhysical(spec, d);
}

/** Digital samples of a signal in its physical units: (digital − baseline) / gain, invalid samples NaN. */
export function digitalToPhysical(spec: SignalSpec, digital: ArrayLike<number>): Float32Array {
  const invalid = signalFormat(spec.format)?.invalidSample;
  const out = new Float32Array(digital.length);
  const { baseline, gain } = spec;
  for (let i = 0; i < digital.length; i++) {
    const v = digital[i]!;
    out[i] = v === invalid ? Number.NaN : (v - baseline) / gain;
  }
  return out;
}

/**
 * The files of a record a command reads, for the output guard: its header and its signal files (its
 * annotation files: io/read-record.ts recordFiles). A header that cannot be read is its error.
 */
export function recordFiles(recordPath: string): GuardedInput[] {
  const name = path.basename(recordPath);
  const header = readHeader(recordPath);
  const dir = path.dirname(recordPath);
  const files: GuardedInput[] = [{ file: header.file, what: `the header of record ${name}` }];
  for (const s of header.signals)
    if (s.format !== 0)
      files.push({ file: path.join(dir, s.fileName), what: `the signal file of record ${name}` });
  return files;
}
