// Samples as text, as a program or a serial logger pipes them: one lead in physical units, one value
// a line, read line by line as the lines arrive. Any line end is taken (LF, CRLF, CR), blanks around a
// value and blank lines are skipped; "nan" marks a missing sample.
//
// A line holding several values is a table's row (`time,mV`, rdsamp's tab-separated columns), never
// samples: without `column` it is refused, with `column` (1-based, as cut -f counts) that column of
// every row is read. Every row has the first row's number of columns (commas, semicolons, tabs or
// blanks between them). A token that is not a decimal number, an empty cell, a row of another width
// and a line longer than MAX_TEXT_LINE characters (an endless line is never buffered) are refused in
// one line naming the source and the line.
import { UserError } from "../errors.js";

/** The longest line read, in characters (a row of a table of many leads is a few hundred). */
export const MAX_TEXT_LINE = 4096;

export interface TextSampleOptions {
  /** The column of a table to read (1 = the first); undefined: one value a line. */
  column?: number;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const FIELD_SEPARATOR = /\s*[,;]\s*|\s+/;
const LINE_END = /\r\n|\r|\n/;

/** A field as a sample: a decimal number, or NaN for "nan"; refused otherwise. */
function sampleOf(token: string, where: string): number {
  if (token.toLowerCase() === "nan") return Number.NaN;
  const shown = token.length > 40 ? `${token.slice(0, 40)}…` : token;
  if (token === "") throw new UserError(`${where}: an empty cell, not a sample value`);
  if (!DECIMAL.test(token)) throw new UserError(`${where}: '${shown}' is not a sample value`);
  const v = Number(token);
  if (!Number.isFinite(v) || !Number.isFinite(Math.fround(v)))
    throw new UserError(`${where}: '${shown}' is out of range`);
  return v;
}

const listed = (fields: string[]): string =>
  fields
    .slice(0, 3)
    .map((f) => `'${f.slice(0, 20)}'`)
    .join(", ") + (fields.length > 3 ? ", …" : "");

export async function* textSamples(
  chunks: AsyncIterable<string | Uint8Array>,
  source: string,
  opts: TextSampleOptions = {},
): AsyncGenerator<Float32Array, void, undefined> {
  const column = opts.column;
  if (column !== undefined && !(Number.isInteger(column) && column >= 1))
    throw new RangeError(`textSamples: column must be a whole number from 1, got ${column}`);
  const decoder = new TextDecoder();
  let rest = "";
  let line = 0;
  /** The number of columns of the first row; every row must have it. */
  let width: number | undefined;
  const tooLong = (at: number): never => {
    throw new UserError(
      `${source}: line ${at}: longer than ${MAX_TEXT_LINE} characters; the samples go one a line`,
    );
  };
  const several = (where: string, what: string, fields: string[]): never => {
    throw new UserError(
      `${where}: ${what} (${listed(fields)}), a table's row: ` +
        "the samples go one a line, or --column N reads column N of a table",
    );
  };
  const parse = (lines: string[]): Float32Array => {
    const values: number[] = [];
    for (const row of lines) {
      line++;
      if (row.length > MAX_TEXT_LINE) tooLong(line);
      const trimmed = row.trim();
      if (trimmed === "") continue;
      const fields = trimmed.split(FIELD_SEPARATOR);
      const where = `${source}: line ${line}`;
      if (column === undefined && fields.length > 1)
        several(where, `${fields.length} values on one line`, fields);
      if (width === undefined) width = fields.length;
      else if (fields.length !== width)
        throw new UserError(`${where}: ${fields.length} columns, where the first row has ${width}`);
      if (column !== undefined && column > fields.length)
        throw new UserError(`${where}: no column ${column} (the row has ${fields.length})`);
      values.push(sampleOf(fields[(column ?? 1) - 1]!, where));
    }
    return Float32Array.from(values);
  };
  for await (const chunk of chunks) {
    const text = rest + (typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
    // A CR at the very end may be the first half of a CRLF: its line ends with the next chunk.
    const cut = text.endsWith("\r") ? text.length - 1 : text.length;
    const lines = text.slice(0, cut).split(LINE_END);
    // The last piece is an unfinished line until its line end arrives; it is never let grow unbounded.
    rest = lines.pop()! + text.slice(cut);
    if (rest.length > MAX_TEXT_LINE + 1) {
      parse(lines);
      const head = rest.slice(0, MAX_TEXT_LINE).trim().split(FIELD_SEPARATOR);
      // An endless line of blank-separated values is refused as the row it would be.
      if (column === undefined && head.length > 1)
        several(
          `${source}: line ${line + 1}`,
          `more than ${head.length - 1} values on one line, and no line end in ${MAX_TEXT_LINE} characters`,
          head,
        );
      tooLong(line + 1);
    }
    const values = parse(lines);
    if (values.length > 0) yield values;
  }
  const last = parse((rest + decoder.decode()).split(LINE_END));
  if (last.length > 0) yield last;
}
