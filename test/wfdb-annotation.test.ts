import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { aamiClass } from "../src/vocabulary.js";
import {
  type Annotation,
  encodeAnnotations,
  isBeatSymbol,
  parseAnnotations,
  readAnnotations,
  writeAnnotations,
} from "../src/wfdb/annotation.js";
import { mitdbDir, mitdbSkip, recordPath } from "./helpers/mitdb.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "wfdb-ann-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function records(): string[] {
  return readFileSync(path.join(mitdbDir, "RECORDS"), "utf8").trim().split(/\s+/);
}

test("annotation counts per symbol over the 48 records equal the database's published totals", {
  skip: mitdbSkip,
}, () => {
  const counts: Record<string, number> = {};
  for (const name of records()) {
    for (const a of readAnnotations(recordPath(name))) counts[a.symbol] = (counts[a.symbol] ?? 0) + 1;
  }
  // PhysioNet's MIT-BIH Arrhythmia Database directory (beat and non-beat annotation tables).
  const published: Record<string, number> = {
    N: 75052,
    L: 8075,
    R: 7259,
    V: 7130,
    A: 2546,
    F: 803,
    "/": 7028,
    f: 982,
    j: 229,
    a: 150,
    J: 83,
    E: 106,
    e: 16,
    Q: 33,
    S: 2,
    "!": 472,
    x: 193,
    "|": 132,
    "~": 616,
    "+": 1291,
    '"': 437,
    "[": 6,
    "]": 6,
  };
  assert.deepEqual(counts, published);
});

test("record 100: the first annotations match a hand decoding of 100.atr", { skip: mitdbSkip }, () => {
  // xxd 100.atr: 12 70 | 03 fc 28 4e 00 00 | 3b 04 | 25 05
  //   0x7012: A = 28 (+, rhythm), I = 18;  0xfc03: AUX, 3 bytes "(N\0" + pad;
  //   0x043b: A = 1 (N), I = 59 → 77;     0x0525: A = 1 (N), I = 293 → 370.
  const anns = readAnnotations(recordPath("100"));
  assert.deepEqual(anns.slice(0, 3), [
    { sample: 18, symbol: "+", code: 28, subtype: 0, chan: 0, num: 0, aux: "(N" },
    { sample: 77, symbol: "N", code: 1, subtype: 0, chan: 0, num: 0, aux: "" },
    { sample: 370, symbol: "N", code: 1, subtype: 0, chan: 0, num: 0, aux: "" },
  ]);
});

test("writer round trip: all 48 annotation files decode identically; 100.atr is rewritten byte for byte", {
  skip: mitdbSkip,
}, () => {
  for (const name of records()) {
    const anns = readAnnotations(recordPath(name));
    const out = path.join(tmp, `${name}.atr`);
    writeAnnotations(out, anns);
    assert.deepEqual(readAnnotations(path.join(tmp, name)), anns, name);
  }
  assert.ok(readFileSync(path.join(tmp, "100.atr")).equals(readFileSync(recordPath("100") + ".atr")));
});

test("writer round trip: SKIPs (long and negative gaps), SUB, CHN, NUM and odd/even AUX", () => {
  const ann = (
    sample: number,
    symbol: string,
    code: number,
    extra: Partial<Annotation> = {},
  ): Annotation => ({
    sample,
    symbol,
    code,
    subtype: 0,
    chan: 0,
    num: 0,
    aux: "",
    ...extra,
  });
  const anns: Annotation[] = [
    ann(5, "N", 1),
    ann(100000, "V", 5, { subtype: 3 }), // gap > 1023: SKIP
    ann(100001, "+", 28, { aux: "(AFIB" }),
    ann(100002, "~", 14, { chan: 1, aux: "cU" }),
    ann(100003, "N", 1, { chan: 1, num: -3 }), // chan carries over; num is signed
    ann(99000, "Q", 13, { chan: 1, num: -3 }), // negative gap: SKIP
    ann(3_000_000_000 % 2 ** 31, "[42]", 42), // a code without a mnemonic
  ];
  const bytes = encodeAnnotations(anns);
  assert.deepEqual(parseAnnotations(bytes, "x.atr"), anns);
  // The stream ends with the end-of-file word.
  assert.equal(bytes.readUInt16LE(bytes.length - 2), 0);
});

test("truncated or malformed annotation streams name the file and byte", () => {
  // A SKIP word without its 4 bytes.
  assert.throws(
    () => parseAnnotations(Buffer.from([0x00, 59 << 2, 0x01]), "/d/bad.atr"),
    /^UserError: bad\.atr: byte 2: SKIP without/,
  );
  assert.throws(
    () => parseAnnotations(Buffer.from([0x05, 63 << 2, 0x41]), "bad.atr"),
    /AUX before any annotation/,
  );
});

test("beat codes and the AAMI map of data.md", () => {
  for (const s of "NLRBAaJSVrFejnE/fQ?") assert.ok(isBeatSymbol(s), s);
  for (const s of ["+", "~", "|", "x", "!", "[", "]", '"']) assert.ok(!isBeatSymbol(s), s);
  const map: Record<string, number | undefined> = {
    N: 0,
    L: 0,
    R: 0,
    e: 0,
    j: 0,
    A: 1,
    a: 1,
    J: 1,
    S: 1,
    V: 2,
    E: 2,
    F: 3,
    "/": 4,
    f: 4,
    Q: 4,
    "+": undefined,
    x: undefined,
    "|": undefined,
    B: undefined,
    "?": undefined,
  };
  for (const [s, c] of Object.entries(map)) assert.equal(aamiClass(s), c, s);
});

test("damaged annotation files are refused, or mended with a warning when lenient", () => {
  const ann = (sample: number, symbol = "N"): Annotation => ({
    sample,
    symbol,
    code: symbol === "N" ? 1 : 5,
    subtype: 0,
    chan: 0,
    num: 0,
    aux: "",
  });
  const whole = encodeAnnotations([ann(10), ann(20, "V"), ann(30)]);
  const warnings: string[] = [];
  const lenient = { lenient: true, onWarning: (m: string) => warnings.push(m) };
  // No end-of-file word: the file was cut short.
  const cut = whole.subarray(0, whole.length - 2);
  assert.throws(
    () => parseAnnotations(cut, "/d/x.atr"),
    /^UserError: x\.atr: no end-of-file marker after 3 annotations/,
  );
  assert.deepEqual(
    parseAnnotations(cut, "x.atr", lenient).map((a) => a.sample),
    [10, 20, 30],
  );
  assert.match(warnings[0]!, /x\.atr: no end-of-file marker/);
  // Times that go back, and annotations outside the signal, through a record's reader.
  writeAnnotations(path.join(tmp, "r.atr"), [ann(10), ann(5), ann(30)]);
  assert.throws(() => readAnnotations(path.join(tmp, "r")), /r\.atr: annotation 2 \(sample 5\) comes before/);
  assert.deepEqual(
    readAnnotations(path.join(tmp, "r"), "atr", { policy: lenient }).map((a) => a.sample),
    [5, 10, 30],
  );
  assert.deepEqual(
    readAnnotations(path.join(tmp, "r"), "atr", { policy: lenient, signalLength: 20 }).map((a) => a.sample),
    [5, 10],
  );
  writeAnnotations(path.join(tmp, "s.atr"), [ann(10), ann(25)]);
  assert.throws(
    () => readAnnotations(path.join(tmp, "s"), "atr", { signalLength: 20 }),
    /s\.atr: 1 annotation outside the signal's 20 samples \(the first at sample 25, 'N'\)/,
  );
  assert.deepEqual(
    readAnnotations(path.join(tmp, "s"), "atr", { signalLength: 20, policy: lenient }).map((a) => a.sample),
    [10],
  );
});
