// WFDB annotation files in MIT format (annot(5): https://physionet.org/physiotools/wag/annot-5.htm).
// The file is a stream of 16-bit little-endian words: the top 6 bits are a code A, the low 10 bits I.
//   A = 1..49  an annotation of type A, I samples after the previous one;
//   A = 59     SKIP: the next 4 bytes (PDP-11 long: high 16-bit word first, each word low byte first)
//              are a signed interval added to the time; the annotation word follows;
//   A = 60     NUM: I is the num field of the preceding annotation and of those after it;
//   A = 61     SUB: I is the subtype of the preceding annotation only;
//   A = 62     CHN: I is the chan field of the preceding annotation and of those after it;
//   A = 63     AUX: I bytes of auxiliary text follow (plus a pad byte when I is odd);
//   A = 0, I = 0  end of file.
import path from "node:path";
import { writeFileOrFail } from "../atomic-file.js";
import { readFileOrFail, UserError } from "../errors.js";
import { codeOfSymbol, isBeat, symbolOfCode } from "./annotation-codes.js";

export interface Annotation {
  /** Sample index (frame number) at the record's sampling frequency. */
  sample: number;
  /** The code's mnemonic, e.g. "N", "V", "+"; "[42]" for a code without one. */
  symbol: string;
  code: number;
  subtype: number;
  chan: number;
  num: number;
  /** Auxiliary text (rhythm names like "(AFIB", notes); "" when absent. */
  aux: string;
}

const SKIP = 59;
const NUM = 60;
const SUB = 61;
const CHN = 62;
const AUX = 63;
/** Codes 1..ACMAX are annotation types. */
const ACMAX = 49;

/**
 * What a reader does with a damaged annotation file: by default refuse it (a UserError naming the
 * file); when lenient, mend it (keep what precedes a missing end marker, sort times that go back,
 * drop annotations outside the signal) and tell `onWarning` what was mended, once per kind.
 */
export interface AnnotationPolicy {
  lenient: boolean;
  onWarning: (message: string) => void;
}

export interface AnnotationReadOptions {
  policy?: AnnotationPolicy;
  /** Frames in the record's signal: an annotation at or past it (or before 0) is damage. */
  signalLength?: number;
}

/**
 * Reads `<recordPath>.<extension>` (default "atr"): an end marker, times that never go back and
 * (when the signal's length is given) every annotation inside the signal, else refused or mended.
 */
export function readAnnotations(
  recordPath: string,
  extension = "atr",
  opts: AnnotationReadOptions = {},
): Annotation[] {
  const file = `${recordPath}.${extension}`;
  const bytes = readFileOrFail(file, "annotations");
  return checkAnnotations(parseAnnotations(bytes, file, opts.policy), file, opts);
}

/** Refuses (or, lenient, mends) annotations whose times go back or fall outside the signal. */
export function checkAnnotations(
  annotations: Annotation[],
  file: string,
  opts: AnnotationReadOptions = {},
): Annotation[] {
  const shown = path.basename(file);
  const damage = (msg: string): void => {
    if (!opts.policy?.lenient) throw new UserError(`${shown}: ${msg} (--lenient-annotations mends it)`, file);
    opts.policy.onWarning(`${shown}: ${msg}; mended`);
  };
  let out = annotations;
  const back = out.findIndex((a, i) => i > 0 && a.sample < out[i - 1]!.sample);
  if (back > 0) {
    damage(
      `annotation ${back + 1} (sample ${out[back]!.sample}) comes before the one ahead of it (sample ${out[back - 1]!.sample})`,
    );
    out = [...out].sort((a, b) => a.sample - b.sample);
  }
  const end = opts.signalLength ?? Number.POSITIVE_INFINITY;
  const outside = out.findIndex((a) => a.sample < 0 || a.sample >= end);
  if (outside >= 0) {
    const a = out[outside]!;
    const count = out.filter((x) => x.sample < 0 || x.sample >= end).length;
    damage(
      `${count} annotation${count > 1 ? "s" : ""} outside the signal's ${end} samples (the first at sample ${a.sample}, '${a.symbol}')`,
    );
    out = out.filter((x) => x.sample >= 0 && x.sample < end);
  }
  return out;
}

/**
 * Decodes an MIT-format annotation stream; `file` names it in error messages. The stream must end
 * with the end-of-file word (a file cut short has none) unless the policy is lenient.
 */
export function parseAnnotations(bytes: Uint8Array, file: string, policy?: AnnotationPolicy): Annotation[] {
  const shown = path.basename(file);
  const out: Annotation[] = [];
  let ended = false;
  let time = 0;
  let chan = 0;
  let num = 0;
  let last: Annotation | undefined;
  let pos = 0;
  const fail = (msg: string): never => {
    throw new UserError(`${shown}: byte ${pos}: ${msg}`, file);
  };
  while (pos + 1 < bytes.length) {
    const word = bytes[pos]! | (bytes[pos + 1]! << 8);
    const a = word >> 10;
    const i = word & 0x3ff;
    pos += 2;
    if (a === 0 && i === 0) {
      ended = true;
      break;
    }
    if (a === SKIP) {
      if (pos + 4 > bytes.length) fail("SKIP without its 4-byte interval");
      const high = bytes[pos]! | (bytes[pos + 1]! << 8);
      const low = bytes[pos + 2]! | (bytes[pos + 3]! << 8);
      time += (high << 16) | low | 0;
      pos += 4;
    } else if (a === NUM) {
      if (!last) fail("NUM before any annotation");
      // num is a signed field (WFDB's signed char), stored in 10 bits.
      num = (i << 22) >> 22;
      last!.num = num;
    } else if (a === SUB) {
      if (!last) fail("SUB before any annotation");
      last!.subtype = (i << 22) >> 22;
    } else if (a === CHN) {
      if (!last) fail("CHN before any annotation");
      chan = i;
      last!.chan = chan;
    } else if (a === AUX) {
      if (!last) fail("AUX before any annotation");
      if (pos + i > bytes.length) fail(`AUX of ${i} bytes runs past the end of the file`);
      let end = pos + i;
      // Some writers include a terminating NUL in the count; it is not part of the text.
      while (end > pos && bytes[end - 1] === 0) end--;
      last!.aux = Buffer.from(bytes.subarray(pos, end)).toString("latin1");
      pos += i + (i & 1);
    } else if (a <= ACMAX) {
      time += i;
      last = { sample: time, symbol: symbolOfCode(a), code: a, subtype: 0, chan, num, aux: "" };
      out.push(last);
    } else {
      fail(`unknown annotation code ${a}`);
    }
  }
  if (!ended) {
    const msg = `no end-of-file marker after ${out.length} annotations (truncated?)`;
    if (!policy?.lenient)
      throw new UserError(`${shown}: ${msg} (--lenient-annotations reads it anyway)`, file);
    policy.onWarning(`${shown}: ${msg}; read anyway`);
  }
  return out;
}

/** Encodes annotations (in time order) as an MIT-format stream, ending with the end-of-file word. */
export function encodeAnnotations(annotations: readonly Annotation[]): Buffer {
  const words: number[] = [];
  const chunks: Buffer[] = [];
  const flushWords = (): void => {
    if (words.length === 0) return;
    const b = Buffer.alloc(words.length * 2);
    for (let k = 0; k < words.length; k++) b.writeUInt16LE(words[k]!, k * 2);
    chunks.push(b);
    words.length = 0;
  };
  let time = 0;
  let chan = 0;
  let num = 0;
  for (const ann of annotations) {
    const code = ann.code > 0 ? ann.code : codeOfSymbol(ann.symbol);
    if (!(code >= 1 && code <= ACMAX)) {
      throw new UserError(
        `annotation at sample ${ann.sample}: code ${ann.code} ('${ann.symbol}') is not 1..${ACMAX}`,
      );
    }
    const delta = ann.sample - time;
    if (delta < 0 || delta > 0x3ff) {
      // A SKIP carries the whole interval; the annotation word then has I = 0.
      words.push(SKIP << 10);
      flushWords();
      const skip = Buffer.alloc(4);
      skip.writeUInt16LE((delta >>> 16) & 0xffff, 0);
      skip.writeUInt16LE(delta & 0xffff, 2);
      chunks.push(skip);
      words.push(code << 10);
    } else {
      words.push((code << 10) | delta);
    }
    time = ann.sample;
    if (ann.subtype !== 0) words.push((SUB << 10) | (ann.subtype & 0x3ff));
    if (ann.chan !== chan) {
      chan = ann.chan;
      words.push((CHN << 10) | (chan & 0x3ff));
    }
    if (ann.num !== num) {
      num = ann.num;
      words.push((NUM << 10) | (num & 0x3ff));
    }
    if (ann.aux !== "") {
      // The text goes out NUL-terminated, the NUL counted in I, as the MIT-BIH files (WFDB's wrann) have it.
      const text = Buffer.from(`${ann.aux}\0`, "latin1");
      if (text.length > 0x3ff)
        throw new UserError(`annotation at sample ${ann.sample}: aux text longer than 1022 bytes`);
      words.push((AUX << 10) | text.length);
      flushWords();
      chunks.push(text);
      if (text.length & 1) chunks.push(Buffer.alloc(1));
    }
  }
  words.push(0);
  flushWords();
  return Buffer.concat(chunks);
}

/** Writes an annotation file atomically (a temporary file renamed into place). */
export function writeAnnotations(file: string, annotations: Annotation[]): void {
  writeFileOrFail(file, encodeAnnotations(annotations), "annotations");
}

/** Whether the symbol is one of the WFDB beat codes (N L R B A a J S V r F e j n E / f Q ?). */
export function isBeatSymbol(symbol: string): boolean {
  return isBeat(symbol);
}
