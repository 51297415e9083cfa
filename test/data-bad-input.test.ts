// Bad input through the CLI: each a one-line error naming the file (and line), exit 1, nothing half-written.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { CACHE_ENV } from "../src/dataset/beats-cache.js";
import { parseBeatsCsv } from "../src/dataset/beats-csv.js";
import { mitdbDir, mitdbSkip, repoRoot } from "./helpers/mitdb.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "data-bad-"));
// Beat caches of the CSVs made here go to a folder of the test's own, not the user's ~/.cache.
process.env[CACHE_ENV] = path.join(tmp, "beats-cache");
after(() => rmSync(tmp, { recursive: true, force: true }));

function ecg(...args: string[]) {
  return spawnSync(process.execPath, [path.join(repoRoot, "bin", "ecg.js"), ...args], {
    encoding: "utf8",
    cwd: tmp,
  });
}

/** A one-record database (100) in `name`, with `alter` applied to its files. */
function database(name: string, alter: (dir: string) => void): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  for (const ext of ["hea", "dat", "atr"])
    copyFileSync(path.join(mitdbDir, `100.${ext}`), path.join(dir, `100.${ext}`));
  writeFileSync(path.join(dir, "RECORDS"), "100\n");
  alter(dir);
  return dir;
}

/** An output directory holding an earlier build's train CSV, which a failed build must leave alone. */
function previousBuild(name: string): string {
  const out = path.join(tmp, name);
  mkdirSync(out);
  writeFileSync(path.join(out, "mitbih_train.csv"), "earlier build\n");
  return out;
}

function assertFailsCleanly(r: ReturnType<typeof ecg>, message: RegExp, out: string): void {
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stdout, "");
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, message);
  assert.deepEqual(readdirSync(out), ["mitbih_train.csv"]);
  assert.equal(readFileSync(path.join(out, "mitbih_train.csv"), "utf8"), "earlier build\n");
}

test("a truncated .dat", { skip: mitdbSkip }, () => {
  const db = database("truncated", (d) =>
    writeFileSync(path.join(d, "100.dat"), readFileSync(path.join(d, "100.dat")).subarray(0, 1000)),
  );
  const out = previousBuild("out-truncated");
  const r = ecg("data", "build", "--mitdb", db, "--out", out);
  assertFailsCleanly(
    r,
    /^ecg: error: 100\.dat: truncated: expected 1950000 bytes for 650000 samples, found 1000$/,
    out,
  );
});

test("a header with an unsupported format", { skip: mitdbSkip }, () => {
  const db = database("format", (d) => {
    const hea = path.join(d, "100.hea");
    writeFileSync(
      hea,
      readFileSync(hea, "latin1").replace("100.dat 212 200 11 1024 1011", "100.dat 311 200 11 1024 1011"),
    );
  });
  const out = previousBuild("out-format");
  const r = ecg("data", "build", "--mitdb", db, "--out", out);
  assertFailsCleanly(
    r,
    /^ecg: error: 100\.hea: line 3: signal format 311 is not supported \(supported: .*\)$/,
    out,
  );
});

test("a bad checksum", { skip: mitdbSkip }, () => {
  const db = database("checksum", (d) => {
    const dat = path.join(d, "100.dat");
    const bytes = readFileSync(dat);
    bytes[300_000] ^= 0x01; // one sample of MLII changes by 1
    writeFileSync(dat, bytes);
  });
  const out = previousBuild("out-checksum");
  const r = ecg("data", "build", "--mitdb", db, "--out", out);
  assertFailsCleanly(
    r,
    /^ecg: error: 100\.dat: signal 0 \(MLII\): checksum -2213[02] does not match 100\.hea line 2 \(-22131\)$/,
    out,
  );
});

test("CSV rows: wrong column count, non-numeric cell, label outside 0..4", () => {
  const row = (label: string, cell = "0.5") => `${[cell, ...new Array(186).fill("0.25")].join(",")},${label}`;
  const cases: [string, string, RegExp][] = [
    [
      "short.csv",
      `${row("0")}\n${row("1")}\n0.1,0.2,1\n`,
      /^ecg: error: short\.csv: line 3: expected 188 columns, found 3$/,
    ],
    [
      "text.csv",
      `${row("0")}\n${row("2", "x1")}\n`,
      /^ecg: error: text\.csv: line 2: column 1: not a number: 'x1'$/,
    ],
    [
      "label.csv",
      `${row("0")}\n${row("1")}\n${row("1")}\n${row("5")}\n`,
      /^ecg: error: label\.csv: line 4: label 5 is not one of 0\.\.4 \(N S V F Q\)$/,
    ],
  ];
  for (const [name, text, re] of cases) {
    writeFileSync(path.join(tmp, name), text);
    const r = ecg("data", "info", name);
    assert.equal(r.status, 1, name);
    assert.equal(r.stdout, "", name);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assert.match(r.stderr.trimEnd(), re);
    // No cache is written for a file that does not parse.
    assert.ok(!readdirSync(tmp).includes(name.replace(".csv", ".beats")));
  }
});

test("usage errors: a missing option and a bad --split exit 2", () => {
  assert.equal(ecg("data", "build", "--out", "x").status, 2);
  const r = ecg("data", "build", "--mitdb", "a", "--out", "b", "--split", "random");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--split must be one of kaggle, interpatient/);
});

test("CSV cells are read as their values: 400 digits, tiny and huge exponents; rows end in LF, CRLF or CR", () => {
  const row = (cell: string) => `${[cell, ...new Array(186).fill("0.25")].join(",")},1`;
  const value = (cell: string): number =>
    parseBeatsCsv(Buffer.from(`${row(cell)}\n`), "v.csv", "required").x[0]!;
  assert.equal(value(`0.5${"0".repeat(398)}`), 0.5);
  assert.equal(value(`0.${"3".repeat(398)}`), Math.fround(1 / 3));
  assert.equal(value(`-0.${"0".repeat(300)}25e301`), -2.5);
  assert.equal(value(`5${"0".repeat(398)}e-399`), 0.5);
  assert.equal(value("5e-400"), 0);
  assert.equal(value("0.978e-0"), Math.fround(0.978));
  for (const cell of [`1${"0".repeat(399)}`, "1e39", "3.5e38"])
    assert.throws(() => value(cell), /v\.csv: line 1: column 1: number out of range/, cell.slice(0, 10));
  // The same three beats, whatever ends their rows (a CR alone: old Mac files).
  const rows = [row("0.1"), row("0.2"), row("0.3")];
  for (const text of [rows.join("\n"), rows.join("\r\n"), rows.join("\r"), `${rows.join("\r\r")}\r`]) {
    const set = parseBeatsCsv(Buffer.from(text), "e.csv", "required");
    assert.equal(set.count, 3, JSON.stringify(text.slice(-3)));
    assert.deepEqual([set.x[0], set.x[187], set.x[374]], [0.1, 0.2, 0.3].map(Math.fround));
  }
});
