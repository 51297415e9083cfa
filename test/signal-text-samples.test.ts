// Text samples on a stream (src/signal/text-samples.ts): one value a line whatever the line ends and
// wherever the chunks are cut, a table's column with `column`, and the refusals (a row of several
// values, rows of other widths, an endless line, tokens that are not decimal numbers).
import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_TEXT_LINE, textSamples } from "../src/signal/text-samples.js";

async function read(chunks: (string | Uint8Array)[], column?: number): Promise<number[]> {
  const out: number[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const c of textSamples(source(), "stdin", column !== undefined ? { column } : {}))
    out.push(...c);
  return out;
}

async function refusal(chunks: (string | Uint8Array)[], column?: number): Promise<string> {
  try {
    await read(chunks, column);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail("no refusal");
}

test("one value a line, whatever the line ends and wherever the chunks are cut", async () => {
  const values = [0.5, -0.25, 1e-3, 2, Number.NaN, 0.125];
  const text = ["0.5", " -0.25\t", "1e-3", "+2", "nan", ".125"];
  for (const eol of ["\n", "\r\n", "\r"]) {
    const whole = `${text.join(eol)}${eol}`;
    // Every cut of the text into two chunks, a CRLF split across them included.
    for (let cut = 0; cut <= whole.length; cut++) {
      const got = await read([whole.slice(0, cut), whole.slice(cut)]);
      assert.deepEqual(got, Array.from(Float32Array.from(values)), `${JSON.stringify(eol)} cut at ${cut}`);
    }
  }
  // Bytes cut inside a UTF-8 character (a BOM) and blank lines.
  const bytes = new TextEncoder().encode("\ufeff0.5\n\n\n0.25\n");
  assert.deepEqual(await read([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)]), [0.5, 0.25]);
  // Line numbers count every line end, CR alone and CRLF alike.
  assert.match(await refusal(["1\r2\r\n3\n\nx\n"]), /^stdin: line 5: 'x' is not a sample value$/);
});

test("a row of several values is refused; --column reads a table's column", async () => {
  assert.match(
    await refusal(["0.000,-0.145\n0.004,-0.150\n"]),
    /^stdin: line 1: 2 values on one line \('0\.000', '-0\.145'\), a table's row/,
  );
  assert.match(await refusal(["0.1 0.2\n"]), /line 1: 2 values on one line/);
  assert.deepEqual(await read(["0.000,-0.5\n0.004;0.25\n 0.008\t 0.125 \n"], 2), [-0.5, 0.25, 0.125]);
  assert.deepEqual(await read(["0.000,-0.5\n"], 1), [0]);
  assert.match(await refusal(["1,2\n3,4,5\n"], 1), /^stdin: line 2: 3 columns, where the first row has 2$/);
  assert.match(await refusal(["1,2\n"], 3), /^stdin: line 1: no column 3 \(the row has 2\)$/);
  assert.match(await refusal(["1,\n"], 2), /^stdin: line 1: an empty cell, not a sample value$/);
});

test("an endless line is refused after MAX_TEXT_LINE characters, never buffered", async () => {
  const blanks = "0.5 ".repeat(MAX_TEXT_LINE);
  assert.match(
    await refusal([blanks.slice(0, 1000), blanks.slice(1000)]),
    /^stdin: line 1: more than \d+ values on one line, and no line end/,
  );
  const digits = "1".repeat(MAX_TEXT_LINE + 2);
  assert.match(await refusal(["0.5\n", digits]), /^stdin: line 2: longer than 4096 characters/);
  // A line just under the bound is a value.
  assert.deepEqual(await read([`0.${"5".repeat(MAX_TEXT_LINE - 2)}\n`]), [Math.fround(0.5555555555555556)]);
});

test("tokens that are not decimal numbers, or past float32, are refused naming the line", async () => {
  for (const token of ["0x10", "Infinity", "1e39", "1,5e3x", "abc", "0b1", "1_000"])
    assert.match(await refusal([`0.1\n${token}\n`]), /^stdin: line 2: /, token);
  // The refusal shows the token, cut at 40 characters.
  assert.match(await refusal([`${"z".repeat(100)}\n`]), new RegExp(`'${"z".repeat(40)}…'`));
});
