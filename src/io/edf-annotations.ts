// EDF+ time-stamped annotation lists (TALs, EDF+ specification 2.2.2): inside an "EDF Annotations"
// signal's bytes of one data record, TALs follow each other, the rest padded with 0 bytes:
//   +onset[\x15duration]\x14text\x14[text\x14...]\x00
// onset in seconds (signed, from the file's start time), duration in seconds. The first TAL of a
// data record's first annotation signal keeps its time: its first text is empty and its onset is
// when the data record starts. Texts are UTF-8.
import { UserError } from "../errors.js";
import type { TimedAnnotation } from "./record.js";

export interface EdfAnnotationSpan {
  /** The data record's start (the time-keeping TAL's onset), when the span begins with one. */
  recordOnset?: number;
  annotations: TimedAnnotation[];
}

const TAL_END = 0x00;
const TEXT_END = 0x14;
const DURATION_MARK = 0x15;
const utf8 = new TextDecoder("utf-8");

/** The TALs in bytes[start, end); a malformed one is refused naming the byte it starts at. */
export function readAnnotationSpan(
  bytes: Uint8Array,
  start: number,
  end: number,
  shown: string,
  file: string,
): EdfAnnotationSpan {
  const fail = (byte: number, msg: string): never => {
    throw new UserError(`${shown}: byte ${byte}: ${msg}`, file);
  };
  const span: EdfAnnotationSpan = { annotations: [] };
  let p = start;
  let first = true;
  while (p < end && bytes[p] !== TAL_END) {
    const talStart = p;
    let q = p;
    while (q < end && bytes[q] !== TAL_END) q++;
    if (q >= end) fail(talStart, "an annotation list runs past its data record (no closing 0 byte)");
    const parts: Uint8Array[] = [];
    let from = talStart;
    for (let i = talStart; i < q; i++)
      if (bytes[i] === TEXT_END) {
        parts.push(bytes.subarray(from, i));
        from = i + 1;
      }
    if (from !== q || parts.length === 0)
      fail(talStart, "an annotation list does not end its texts with byte 20 before its closing 0 byte");
    const [timeBytes, ...texts] = parts as [Uint8Array, ...Uint8Array[]];
    const time = Buffer.from(timeBytes).toString("latin1");
    const [onsetText, durationText] = time.split(String.fromCharCode(DURATION_MARK));
    const onset = timeNumber(onsetText!, true);
    if (onset === undefined)
      fail(talStart, `annotation onset '${shownText(onsetText!)}' is not a signed number of seconds`);
    let duration: number | undefined;
    if (durationText !== undefined) {
      duration = timeNumber(durationText, false);
      if (duration === undefined)
        fail(talStart, `annotation duration '${shownText(durationText)}' is not a number of seconds`);
    }
    const words = texts.map((t) => utf8.decode(t));
    if (first && words[0] === "") {
      span.recordOnset = onset!;
      words.shift();
    }
    first = false;
    for (const text of words)
      if (text !== "")
        span.annotations.push({ onset: onset!, ...(duration !== undefined ? { duration } : {}), text });
    p = q + 1;
  }
  return span;
}

/** An onset ('+' or '-' first) or a duration (no sign) in seconds, as the specification writes them. */
function timeNumber(s: string, signed: boolean): number | undefined {
  const re = signed ? /^[+-]\d+(\.\d*)?$/ : /^\d+(\.\d*)?$/;
  return re.test(s) ? Number(s) : undefined;
}

function shownText(s: string): string {
  return s.slice(0, 40).replace(/[^\x20-\x7e]/g, "?");
}
