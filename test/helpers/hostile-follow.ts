// `ecg classify --follow` for the hostile-input suite: text samples on stdin in every shape a logger
// or a spreadsheet gives (line ends, tables of several columns, endless lines, tokens that are not
// numbers, rates no beat can be cut at), and a growing record whose signal file is truncated,
// replaced, deleted or rewritten under the follower.
import type { ChildProcess } from "node:child_process";
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import type { HostileCase, RunResult } from "./hostile.js";

/** The samples' rate (the base record's). */
const FS = 360;

/** What `--json` says of a followed stream: its beats and their classes. */
interface FollowJson {
  beats: number;
  counts: Record<string, number>;
}

/** The run's JSON beats and counts equal the one-value-a-line baseline's. */
export function sameBeatsAs(baseline: FollowJson) {
  return (r: RunResult): string | undefined => {
    let out: FollowJson;
    try {
      out = JSON.parse(r.stdout) as FollowJson;
    } catch {
      return `not JSON: ${r.stdout.slice(0, 100)}`;
    }
    return out.beats === baseline.beats && JSON.stringify(out.counts) === JSON.stringify(baseline.counts)
      ? undefined
      : `beats ${out.beats} ${JSON.stringify(out.counts)}, not the baseline's ${baseline.beats} ${JSON.stringify(baseline.counts)}`;
  };
}

/** Writes `text` to the child's stdin and ends it. */
const feed =
  (text: string | Buffer) =>
  (child: ChildProcess): void => {
    child.stdin?.end(text);
  };

/** Writes `piece` to stdin again and again, never a line end, for at most `bytes` (Infinity: until the child ends). */
const endless =
  (piece: string, bytes = Number.POSITIVE_INFINITY) =>
  (child: ChildProcess): void => {
    let sent = 0;
    let over = false;
    child.on("close", () => {
      over = true;
    });
    const chunk = piece.repeat(Math.ceil(65536 / piece.length));
    const more = (): void => {
      while (!over && sent < bytes) {
        sent += chunk.length;
        if (!child.stdin!.write(chunk)) return void child.stdin!.once("drain", more);
      }
      if (!over) child.stdin!.end();
    };
    more();
  };

/** The one-column text of `samples` (physical units), lines joined by `eol`. */
export function sampleLines(samples: Float32Array, eol = "\n"): string {
  return `${Array.from(samples, (v) => String(v)).join(eol)}${eol}`;
}

/**
 * Stdin cases: `ecg classify --follow --record - --fs 360` on the base record's MLII samples written
 * as text in many ways; a valid result must be the one-value-a-line run's beats.
 */
export function stdinCases(model: string, samples: Float32Array, baseline: FollowJson): HostileCase[] {
  const cases: HostileCase[] = [];
  const follow = (...rest: string[]) => [
    "classify",
    "--follow",
    "--record",
    "-",
    "--fs",
    String(FS),
    "--model",
    model,
    "--threads",
    "1",
    "--json",
    ...rest,
  ];
  const values = Array.from(samples, (v) => String(v));
  const time = (i: number) => (i / FS).toFixed(4);
  const add = (
    name: string,
    drive: (child: ChildProcess) => void,
    expect: HostileCase["expect"],
    names: string,
    rest: string[] = [],
  ): void => {
    cases.push({
      name: `stdin/${name}`,
      args: follow(...rest),
      names,
      expect,
      drive,
      check: sameBeatsAs(baseline),
    });
  };
  const ok = (name: string, text: string | Buffer, rest: string[] = []) =>
    add(name, feed(text), "ok", "", rest);
  const refused = (name: string, text: string, names: string, rest: string[] = []) =>
    add(name, feed(text), "error", names, rest);
  const withLine = (i: number, line: string) => values.map((v, k) => (k === i ? line : v)).join("\n");

  ok("one value a line", sampleLines(samples));
  ok("CR line ends", sampleLines(samples, "\r"));
  ok("CRLF line ends", sampleLines(samples, "\r\n"));
  ok(
    "blanks, tabs and blank lines around the values",
    `\n\n${values.map((v) => `  \t${v} \t`).join("\n\n")}\n`,
  );
  ok("no final line end", values.join("\n"));
  ok("a UTF-8 BOM", `\ufeff${sampleLines(samples)}`);
  ok(
    "a value written with 400 digits",
    withLine(1000, `${Number(values[1000]).toFixed(20)}${"0".repeat(380)}`),
  );
  // Tables: refused without --column (issue 22: `tail -n +2 holter.csv`), read with it.
  refused(
    "a time,mV table (tail -n +2 holter.csv)",
    values.map((v, i) => `${time(i)},${v}`).join("\n"),
    "stdin: line 1",
  );
  ok("a time,mV table with --column 2", values.map((v, i) => `${time(i)},${v}`).join("\n"), [
    "--column",
    "2",
  ]);
  refused(
    "rdsamp's tab-separated time, MLII, V5",
    values.map((v, i) => `${time(i)}\t${v}\t0.1`).join("\n"),
    "stdin: line 1",
  );
  ok(
    "rdsamp's tab-separated columns with --column 2",
    values.map((v, i) => `  ${time(i)}\t  ${v}\t  0.1`).join("\n"),
    ["--column", "2"],
  );
  refused(
    "a time;mV table (semicolons)",
    values.map((v, i) => `${time(i)};${v}`).join("\n"),
    "stdin: line 1",
  );
  refused(
    "--column 3 of a two-column table",
    values.map((v, i) => `${time(i)},${v}`).join("\n"),
    "no column 3",
    ["--column", "3"],
  );
  refused(
    "a row of another width",
    values.map((v, i) => (i === 500 ? `${time(i)},${v},9` : `${time(i)},${v}`)).join("\n"),
    "stdin: line 501",
    ["--column", "2"],
  );
  refused(
    "an empty cell in the column",
    values.map((v, i) => (i === 700 ? `${time(i)},` : `${time(i)},${v}`)).join("\n"),
    "stdin: line 701",
    ["--column", "2"],
  );
  add("--column 0", feed(sampleLines(samples)), "error", "--column", ["--column", "0"]);
  // Endless and enormous lines (issue 21.1): refused at once, never buffered.
  add(
    "blank-separated samples, no line end, never ending",
    endless(`${values.slice(0, 2000).join(" ")} `),
    "error",
    "stdin: line 1",
  );
  add(
    "a 200 MB line of blank-separated samples",
    endless("0.125 -0.25 ", 200 * 2 ** 20),
    "error",
    "stdin: line 1",
  );
  add("a 200 MB line of one number's digits", endless("1234567890", 200 * 2 ** 20), "error", "stdin: line 1");
  // Tokens that are not samples.
  for (const [what, token] of [
    ["a hex number", "0x10"],
    ["Infinity", "Infinity"],
    ["1e39 (past float32)", "1e39"],
    ["a NUL byte", "0.1\u0000"],
    ["an escape sequence", "\u001b]0;owned\u0007\u001b[2J0.1"],
    ["a C1 control (CSI)", "\u009b2J"],
  ] as const)
    refused(`a line holding ${what}`, withLine(300, token), "stdin: line 301");
  // Rates no beat can be cut at (issue 21.6): usage errors, before any model is loaded.
  for (const fs of ["1", "10", "49", "1e9", "1000001", "0", "-360", "NaN", "Infinity", "1e400"])
    cases.push({
      name: `stdin/--fs ${fs}`,
      args: ["classify", "--follow", "--record", "-", "--fs", fs, "--model", model],
      names: "--fs",
      expect: "error",
      drive: feed(sampleLines(samples)),
    });
  return cases;
}

/** A growing copy of the base record: its header (no sample count) and the first `seconds` of its signal. */
function growingCopy(dir: string, name: string, header: string, dat: Buffer, seconds: number): string {
  const out = path.join(dir, name);
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, "100.hea"), header.replace(/^100 2 (\S+) \d+/, "100 2 $1"), "latin1");
  writeFileSync(path.join(out, "100.dat"), dat.subarray(0, seconds * FS * 4));
  return path.join(out, "100");
}

/** Acts on the child once it has printed its first beat (the follower is then reading the file). */
const afterFirstBeat =
  (act: () => void) =>
  (child: ChildProcess): void => {
    let seen = "";
    let done = false;
    child.stdout?.on("data", (d: string | Buffer) => {
      seen += d.toString();
      if (!done && seen.split("\n").length > 2) {
        done = true;
        act();
      }
    });
  };

/**
 * Growing-record cases (issue 21.2): `ecg classify --follow --record DIR/100 --idle 2` on the base
 * record's first 40 s, then the signal file grows on, or is truncated, replaced, deleted or rewritten.
 */
export function growingCases(dir: string, model: string, baseRecordPath: string): HostileCase[] {
  const header = readFileSync(`${baseRecordPath}.hea`, "latin1");
  const dat = readFileSync(`${baseRecordPath}.dat`);
  const cases: HostileCase[] = [];
  const add = (
    name: string,
    act: (dat: string) => void,
    expect: HostileCase["expect"],
    names: string,
  ): void => {
    const rec = growingCopy(dir, name.replace(/[^a-z0-9]+/gi, "_"), header, dat, 40);
    cases.push({
      name: `growing/${name}`,
      args: ["classify", "--follow", "--record", rec, "--idle", "2", "--model", model, "--threads", "1"],
      names,
      expect,
      drive: afterFirstBeat(() => act(`${rec}.dat`)),
      check: (r) => {
        const beats = r.stdout.trim().split("\n").length - 1;
        return beats > 50 ? undefined : `${beats} beats from a minute of record 100`;
      },
    });
  };
  add(
    "grows to its end, then stops (as a recorder does)",
    (f) => appendFileSync(f, dat.subarray(40 * FS * 4)),
    "ok",
    "",
  );
  add("truncated", (f) => truncateSync(f, 1000), "error", "100.dat: truncated");
  add(
    "replaced by another file",
    (f) => {
      writeFileSync(`${f}.new`, dat);
      renameSync(`${f}.new`, f);
    },
    "error",
    "100.dat: replaced",
  );
  add("deleted", (f) => rmSync(f), "error", "100.dat: deleted");
  add(
    "rewritten in place (emptied, then written again past where it was read)",
    (f) => writeFileSync(f, Buffer.from(dat).reverse()),
    "error",
    "100.dat",
  );
  const slow = growingCopy(dir, "rate_10_Hz", header.replace(/^100 2 360/, "100 2 10"), dat, 40);
  cases.push({
    name: "growing/a header rate of 10 Hz",
    args: ["classify", "--follow", "--record", slow, "--idle", "2", "--model", model],
    names: "record 100: a sampling frequency of 10 Hz",
    expect: "error",
  });
  add(
    "overwritten in place, not truncated",
    (f) => {
      const fd = openSync(f, "r+");
      writeSync(fd, Buffer.from(dat).reverse(), 0, dat.length, 0);
      closeSync(fd);
    },
    "error",
    "100.dat: rewritten",
  );
  return cases;
}
