import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { chooseLead } from "../src/dataset/lead-rule.js";
import { UserError } from "../src/errors.js";
import { readHeader } from "../src/wfdb/header.js";
import { readRecord, signalChecksum, toPhysical } from "../src/wfdb/record.js";
import { mitdbDir, mitdbSkip, recordPath } from "./helpers/mitdb.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "wfdb-signal-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function records(): string[] {
  return readFileSync(path.join(mitdbDir, "RECORDS"), "utf8").trim().split(/\s+/);
}

test("record 100: samples match a hand decoding of 100.dat (format 212)", { skip: mitdbSkip }, () => {
  // `xxd -s $((3*f)) -l 3 100.dat` and the 212 rule: s0 = b0 | (b1 & 0x0f) << 8, s1 = b2 | (b1 & 0xf0) << 4.
  //   frame 0:      e3 33 f3 → 0x3e3 = 995, 0x3f3 = 1011
  //   frame 1000:   b1 33 ca → 0x3b1 = 945, 0x3ca = 970
  //   frame 100000: ab 33 bb → 0x3ab = 939, 0x3bb = 955
  //   frame 649999: 00 43 00 → 0x300 = 768, 0x400 = 1024
  const rec = readRecord(recordPath("100"));
  const expected: [number, number, number][] = [
    [0, 995, 1011],
    [1000, 945, 970],
    [100000, 939, 955],
    [649999, 768, 1024],
  ];
  for (const [f, mlii, v5] of expected) {
    assert.equal(rec.digital[0]![f], mlii, `MLII at ${f}`);
    assert.equal(rec.digital[1]![f], v5, `V5 at ${f}`);
  }
  assert.equal(rec.digital[0]!.length, 650000);
  // The header's initial values are the first samples.
  assert.equal(rec.header.signals[0]!.initialValue, 995);
  // Physical: (995 - 1024) / 200 mV.
  const mv = toPhysical(rec, 0);
  assert.ok(Math.abs(mv[0]! - -0.145) < 1e-6);
  assert.ok(Math.abs(mv[649999]! - (768 - 1024) / 200) < 1e-6);
});

test("all 48 records: every signal's checksum matches its header", { skip: mitdbSkip }, () => {
  const names = records();
  assert.equal(names.length, 48);
  for (const name of names) {
    // readRecord verifies by default; check the sums explicitly as well.
    const rec = readRecord(recordPath(name));
    rec.header.signals.forEach((s, i) => {
      assert.equal(signalChecksum(rec.digital[i]!), s.checksum, `${name} signal ${i}`);
      assert.equal(rec.digital[i]!.length, rec.header.nSamples);
    });
  }
});

test("a lead asked for by name: MLII is signal 1 in 114, and a record without it is named with its signals", {
  skip: mitdbSkip,
}, () => {
  const signalsOf = (name: string) =>
    readHeader(recordPath(name)).signals.map((s) => ({ name: s.description, units: s.units }));
  const where = (record: string) => ({ record, file: `${record}.hea` });
  assert.equal(chooseLead(signalsOf("100"), "MLII", where("100")).index, 0);
  assert.equal(chooseLead(signalsOf("114"), "MLII", where("114")).index, 1);
  assert.throws(
    () => chooseLead(signalsOf("102"), "MLII", where("102")),
    (e: unknown) =>
      e instanceof UserError && /record 102: no lead 'MLII' \(signals: 0 V5, 1 V2\)/.test(e.message),
  );
});

function writeRecord(name: string, hea: string, dat: Buffer | number[]): string {
  writeFileSync(path.join(tmp, `${name}.hea`), hea);
  writeFileSync(path.join(tmp, `${name}.dat`), Buffer.from(dat as number[]));
  return path.join(tmp, name);
}

test("format 16: two interleaved signals, little-endian two's complement, gain and baseline", () => {
  // Frames (a, b): (1, -2), (300, -32767), (-1, 0); sums 300 and -32769 → 16-bit: 300, 32767.
  const bytes = [0x01, 0x00, 0xfe, 0xff, 0x2c, 0x01, 0x01, 0x80, 0xff, 0xff, 0x00, 0x00];
  const p = writeRecord(
    "f16",
    "f16 2 100 3\nf16.dat 16 100(1)/mV 16 0 1 300 0 a\nf16.dat 16 50 16 0 -2 32767 0 b\n",
    bytes,
  );
  const rec = readRecord(p);
  assert.deepEqual(Array.from(rec.digital[0]!), [1, 300, -1]);
  assert.deepEqual(Array.from(rec.digital[1]!), [-2, -32767, 0]);
  assert.deepEqual(Array.from(toPhysical(rec, 0)), [0, 2.99, -0.02].map(Math.fround));
  assert.deepEqual(Array.from(toPhysical(rec, 1)), [-0.04, -655.34, 0].map(Math.fround));
});

test("format 80: offset binary bytes; format 212 with an odd sample count", () => {
  const p80 = writeRecord(
    "f80",
    "f80 2 100 2\nf80.dat 80 10 8 0 0 127\nf80.dat 80 10 8 0 0 -127\n",
    [0x80, 0x00, 0xff, 0x81],
  );
  const r80 = readRecord(p80);
  assert.deepEqual(Array.from(r80.digital[0]!), [0, 127]);
  assert.deepEqual(Array.from(r80.digital[1]!), [-128, 1]);
  // One signal, 3 samples: 0x801 (-2047), 0x7ff (2047), 0x005 → bytes 01 78 ff | 05 00.
  const p212 = writeRecord(
    "f212",
    "f212 1 100 3\nf212.dat 212 200 12 0 -2047 5\n",
    [0x01, 0x78, 0xff, 0x05, 0x00],
  );
  assert.deepEqual(Array.from(readRecord(p212).digital[0]!), [-2047, 2047, 5]);
});

test("byte offset, samples per frame, and an absent sample count (from the file's length)", () => {
  // 4 junk bytes, then frames of [a, a, b] in format 16: (1, 2, 10), (3, 4, 20).
  const body = [1, 0, 2, 0, 10, 0, 3, 0, 4, 0, 20, 0];
  const p = writeRecord("spf", "spf 2 100\nspf.dat 16x2+4\nspf.dat 16+4\n", [9, 9, 9, 9, ...body]);
  const rec = readRecord(p);
  assert.deepEqual(Array.from(rec.digital[0]!), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(rec.digital[1]!), [10, 20]);
});

test("bad input: truncated .dat, unsupported format, bad checksum — one line naming the file", () => {
  const trunc = writeRecord(
    "trunc",
    "trunc 2 360 650000\ntrunc.dat 212 200 11 1024 0 0 0 MLII\ntrunc.dat 212\n",
    Buffer.alloc(1000),
  );
  assert.throws(
    () => readRecord(trunc),
    /^UserError: trunc\.dat: truncated: expected 1950000 bytes for 650000 samples, found 1000$/,
  );
  const fmt = writeRecord("fmt", "fmt 1 360 10\nfmt.dat 999 200\n", Buffer.alloc(100));
  assert.throws(
    () => readRecord(fmt),
    /^UserError: fmt\.hea: line 2: signal format 999 is not supported \(supported: 8, 16, 24, 32, 61, 80, 212\)$/,
  );
  const sum = writeRecord("sum", "sum 1 100 2\nsum.dat 16 200 16 0 0 7 0 II\n", [1, 0, 2, 0]);
  assert.throws(
    () => readRecord(sum),
    /^UserError: sum\.dat: signal 0 \(II\): checksum 3 does not match sum\.hea line 2 \(7\)$/,
  );
  // Verification can be turned off.
  assert.deepEqual(Array.from(readRecord(sum, { verifyChecksums: false }).digital[0]!), [1, 2]);
});
