// EDF/EDF+ files for tests, written byte by byte from the specification (not by src/io/edf.ts,
// which reads them): the header's ASCII fields, 16-bit little-endian samples, and EDF+ annotation
// lists in an "EDF Annotations" signal (a time-keeping list first in every data record).

export interface EdfSignalOut {
  label: string;
  units: string;
  physicalMin: number;
  physicalMax: number;
  digitalMin: number;
  digitalMax: number;
  samplesPerRecord: number;
  /** dataRecords × samplesPerRecord digital values. */
  digital: ArrayLike<number>;
}

export interface EdfOut {
  signals: EdfSignalOut[];
  dataRecords: number;
  /** Seconds per data record, as written in the header (8 characters). */
  recordDuration: string;
  /** EDF+C with these annotations (onset in seconds); plain EDF when undefined. */
  annotations?: { onset: number; duration?: number; text: string }[];
  /** Start of each data record in seconds, for the time-keeping lists (default r × duration). */
  recordOnset?: (r: number) => number;
  /** The header's number of data records, when it should lie (default: dataRecords). */
  headerRecords?: string;
}

function field(value: string | number, width: number): string {
  const s = String(value);
  if (s.length > width) throw new Error(`EDF field '${s}' is wider than ${width}`);
  return s.padEnd(width, " ");
}

const tal = (onset: number, texts: string[], duration?: number): Buffer =>
  Buffer.concat([
    Buffer.from(
      `${onset >= 0 ? "+" : "-"}${Math.abs(onset)}${duration !== undefined ? `\x15${duration}` : ""}\x14`,
      "latin1",
    ),
    ...texts.map((t) => Buffer.from(`${t}\x14`, "utf8")),
    Buffer.from([0]),
  ]);

export function edfBytes(out: EdfOut): Buffer {
  const duration = Number(out.recordDuration);
  const plus = out.annotations !== undefined;
  // Annotation lists per data record: the time-keeping one, then those whose onset falls in it.
  const perRecord: Buffer[] = [];
  if (plus) {
    const lists: Buffer[][] = Array.from({ length: out.dataRecords }, (_, r) => [
      tal(out.recordOnset?.(r) ?? r * duration, [""]),
    ]);
    for (const a of out.annotations!) {
      const r = Math.min(out.dataRecords - 1, Math.max(0, Math.floor(a.onset / duration)));
      lists[r]!.push(tal(a.onset, [a.text], a.duration));
    }
    for (const l of lists) perRecord.push(Buffer.concat(l));
  }
  const annotationSamples = plus ? Math.ceil((Math.max(...perRecord.map((b) => b.length)) + 1) / 2) : 0;
  const all = [...out.signals];
  const ns = all.length + (plus ? 1 : 0);
  const labels = [...all.map((s) => s.label), ...(plus ? ["EDF Annotations"] : [])];
  const per = (f: (s: EdfSignalOut | undefined) => string | number, width: number): string =>
    [...all.map((s) => field(f(s), width)), ...(plus ? [field(f(undefined), width)] : [])].join("");
  let header =
    field("0", 8) +
    field(plus ? "X X X X" : "test patient", 80) +
    field(plus ? "Startdate 01-JAN-2000 X X X" : "test recording", 80) +
    field("01.01.00", 8) +
    field("00.00.00", 8) +
    field(256 + 256 * ns, 8) +
    field(plus ? "EDF+C" : "", 44) +
    field(out.headerRecords ?? out.dataRecords, 8) +
    field(out.recordDuration, 8) +
    field(ns, 4);
  header += labels.map((l) => field(l, 16)).join("");
  header += per(() => "", 80);
  header += per((s) => s?.units ?? "", 8);
  header += per((s) => s?.physicalMin ?? -1, 8);
  header += per((s) => s?.physicalMax ?? 1, 8);
  header += per((s) => s?.digitalMin ?? -32768, 8);
  header += per((s) => s?.digitalMax ?? 32767, 8);
  header += per(() => "", 80);
  header += per((s) => s?.samplesPerRecord ?? annotationSamples, 8);
  header += per(() => "", 32);
  const recordBytes = 2 * (all.reduce((n, s) => n + s.samplesPerRecord, 0) + annotationSamples);
  const body = Buffer.alloc(out.dataRecords * recordBytes);
  let p = 0;
  for (let r = 0; r < out.dataRecords; r++) {
    for (const s of all)
      for (let j = 0; j < s.samplesPerRecord; j++, p += 2)
        body.writeInt16LE(s.digital[r * s.samplesPerRecord + j]!, p);
    if (plus) {
      perRecord[r]!.copy(body, p);
      p += 2 * annotationSamples;
    }
  }
  return Buffer.concat([Buffer.from(header, "latin1"), body]);
}
