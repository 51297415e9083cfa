// The output guard: an output that is an input (by path, symbolic link or hard link) or written
// twice is refused before any work, and the output folders are made.
import assert from "node:assert/strict";
import { existsSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileKey, guardOutputs } from "../src/output-guard.js";
import { expandRecords, recordPathOf } from "../src/record/records.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "ecg-guard-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("an output that is an input, by any path, is refused naming it", () => {
  const input = path.join(tmp, "in.dat");
  writeFileSync(input, "x");
  symlinkSync(input, path.join(tmp, "soft.dat"));
  linkSync(input, path.join(tmp, "hard.dat"));
  mkdirSync(path.join(tmp, "sub"));
  const inputs = [{ file: input, what: "the signal file" }];
  for (const out of ["in.dat", "soft.dat", "hard.dat", "sub/../in.dat", "./in.dat"]) {
    assert.throws(
      () => guardOutputs([{ file: path.join(tmp, out) }], inputs),
      /refusing to write over the signal file, which this command reads/,
      out,
    );
  }
  guardOutputs([{ file: path.join(tmp, "out.csv") }], inputs);
});

test("two outputs that are one file are refused; folders are made; a directory is no output", () => {
  assert.throws(
    () =>
      guardOutputs(
        [
          { file: path.join(tmp, "o", "100.atr"), for: "record a/100" },
          { file: path.join(tmp, "o", ".", "100.atr"), for: "record b/100" },
        ],
        [],
      ),
    /100\.atr: two outputs of this command would be this one file \(for record a\/100 and record b\/100\)/,
  );
  guardOutputs([{ file: path.join(tmp, "deep", "er", "x.csv") }], []);
  assert.ok(existsSync(path.join(tmp, "deep", "er")));
  assert.throws(() => guardOutputs([{ file: path.join(tmp, "deep") }], []), /is a directory/);
  writeFileSync(path.join(tmp, "plain"), "");
  assert.throws(
    () => guardOutputs([{ file: path.join(tmp, "plain", "x.csv") }], []),
    /cannot make or write the output folder \((ENOTDIR|EEXIST)\)/,
  );
});

test("record arguments: 100, 100.hea and 100.dat name one record, taken once", () => {
  const dir = path.join(tmp, "db");
  mkdirSync(dir);
  for (const f of ["100.hea", "100.dat", "101.hea"]) writeFileSync(path.join(dir, f), "");
  const r100 = path.join(dir, "100");
  assert.equal(recordPathOf(`${r100}.hea`), r100);
  assert.equal(recordPathOf(`${r100}.dat`), r100);
  assert.equal(recordPathOf(r100), r100);
  assert.equal(
    recordPathOf(path.join(dir, "102.hea")),
    path.join(dir, "102.hea"),
    "no such record: kept as given",
  );
  const dropped: string[] = [];
  const records = expandRecords([r100, `${r100}.hea`, dir, path.join(dir, "..", "db", "101")], (r) =>
    dropped.push(r),
  );
  assert.deepEqual(records, [r100, path.join(dir, "101")]);
  assert.equal(dropped.length, 3);
  assert.equal(fileKey(`${r100}.hea`), fileKey(path.join(dir, ".", "100.hea")));
});
