// Samples as text, as a program or a serial logger pipes them: lines of numbers (one lead, physical
// units; several per line may be separated by blanks or commas), read line by line as they arrive.
// A token that is not a number ("nan" marks a missing sample) is refused in one line naming the
// source and the line.
import { UserError } from "../errors.js";

export async function* textSamples(
  chunks: AsyncIterable<string | Uint8Array>,
  source: string,
): AsyncGenerator<Float32Array, void, undefined> {
  const decoder = new TextDecoder();
  let rest = "";
  let line = 0;
  const parse = (lines: string[]): Float32Array => {
    const values: number[] = [];
    for (const row of lines) {
      line++;
      for (const token of row.split(/[\s,;]+/)) {
        if (token === "") continue;
        const v = token.toLowerCase() === "nan" ? Number.NaN : Number(token);
        if (Number.isNaN(v) && token.toLowerCase() !== "nan")
          throw new UserError(`${source}: line ${line}: '${token.slice(0, 40)}' is not a sample value`);
        if (!Number.isNaN(v) && !Number.isFinite(v))
          throw new UserError(`${source}: line ${line}: '${token.slice(0, 40)}' is out of range`);
        values.push(v);
      }
    }
    return Float32Array.from(values);
  };
  for await (const chunk of chunks) {
    const lines = (
      rest + (typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }))
    ).split("\n");
    // The last piece is an unfinished line until its newline arrives.
    rest = lines.pop()!;
    const values = parse(lines);
    if (values.length > 0) yield values;
  }
  const last = parse([rest + decoder.decode()]);
  if (last.length > 0) yield last;
}
