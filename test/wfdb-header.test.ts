import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../src/errors.js";
import { parseHeader, readHeader } from "../src/wfdb/header.js";
import { mitdbSkip, recordPath } from "./helpers/mitdb.js";

test("reads record 100's header (CRLF lines, two signals, comments)", { skip: mitdbSkip }, () => {
  const h = readHeader(recordPath("100"));
  assert.equal(h.name, "100");
  assert.equal(h.nSignals, 2);
  assert.equal(h.samplingFrequency, 360);
  assert.equal(h.nSamples, 650000);
  assert.deepEqual(h.comments, ["69 M 1085 1629 x1", "Aldomet, Inderal"]);
  const [mlii, v5] = h.signals;
  assert.deepEqual(
    { ...mlii },
    {
      fileName: "100.dat",
      format: 212,
      samplesPerFrame: 1,
      skew: 0,
      byteOffset: 0,
      gain: 200,
      baseline: 1024,
      units: "mV",
      adcResolution: 11,
      adcZero: 1024,
      initialValue: 995,
      checksum: -22131,
      blockSize: 0,
      description: "MLII",
      described: true,
      checksumPresent: true,
      line: 2,
    },
  );
  assert.equal(v5!.description, "V5");
  assert.equal(v5!.checksum, 20052);
  assert.equal(v5!.initialValue, 1011);
});

test("parses every optional field of the record and signal lines", () => {
  const text = [
    "# a comment before the record line",
    "rec 3 500/1000(5) 1234 12:30:00 25/12/2020",
    "rec.dat 16x2:3+512 100(-5)/uV 14 7 9 -1234 0 lead I with spaces",
    "rec.dat 16 0/mV",
    "other.dat 80",
    "  # indented comment",
  ].join("\r\n");
  const h = parseHeader(text, "/x/rec.hea");
  assert.equal(h.samplingFrequency, 500);
  assert.equal(h.nSamples, 1234);
  assert.equal(h.baseTime, "12:30:00");
  assert.equal(h.baseDate, "25/12/2020");
  assert.deepEqual(h.comments, ["a comment before the record line", "indented comment"]);
  const [a, b, c] = h.signals;
  assert.equal(a!.samplesPerFrame, 2);
  assert.equal(a!.skew, 3);
  assert.equal(a!.byteOffset, 512);
  assert.equal(a!.gain, 100);
  assert.equal(a!.baseline, -5);
  assert.equal(a!.units, "uV");
  assert.equal(a!.adcResolution, 14);
  assert.equal(a!.adcZero, 7);
  assert.equal(a!.initialValue, 9);
  assert.equal(a!.checksum, -1234);
  assert.equal(a!.description, "lead I with spaces");
  assert.equal(a!.line, 3);
  // Gain 0 means the default 200; baseline defaults to ADC zero; resolution to the format's width.
  assert.equal(b!.gain, 200);
  assert.equal(b!.baseline, 0);
  assert.equal(b!.adcResolution, 16);
  assert.equal(b!.checksumPresent, false);
  assert.equal(b!.description, "record rec, signal 1");
  assert.equal(c!.format, 80);
  assert.equal(c!.adcResolution, 8);
  assert.equal(c!.units, "mV");
});

test("a record line without frequency gets WFDB's default 250 Hz", () => {
  const h = parseHeader("r 0\n", "r.hea");
  assert.equal(h.samplingFrequency, 250);
  assert.equal(h.nSignals, 0);
});

test("malformed headers are one-line errors naming file and line", () => {
  assert.throws(
    () => parseHeader("r 2 360\nr.dat 212\n", "/d/r.hea"),
    (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /^r\.hea: line \d+: record line says 2 signals, found 1/);
      return true;
    },
  );
  assert.throws(
    () => parseHeader("r 1 360\nr.dat 2x12q\n", "r.hea"),
    /r\.hea: line 2: bad signal format field '2x12q'/,
  );
  assert.throws(() => parseHeader("r 1 abc\n", "r.hea"), /r\.hea: line 1: bad sampling frequency 'abc'/);
  assert.throws(
    () => readHeader("/nonexistent/rec"),
    /\/nonexistent\/rec\.hea: cannot read header \(no such file\)/,
  );
});

test("header fields outside their sane ranges are refused naming the line", () => {
  const header = (record: string, signal = "r.dat 16 200 11 0 0 0 0 MLII") => `${record}\n${signal}\n`;
  const refused: [string, string | undefined, RegExp][] = [
    ["r 1 Infinity 100", undefined, /r\.hea: line 1: bad sampling frequency 'Infinity'/],
    [
      "r 1 1e9 100",
      undefined,
      /r\.hea: line 1: sampling frequency 1000000000 Hz is above the 1000000 Hz accepted/,
    ],
    ["r 5000 360 100", undefined, /r\.hea: line 1: 5000 signals is more than the 4096 accepted/],
    ["r 1 360 1e12", undefined, /r\.hea: line 1: 1000000000000 samples is more than/],
    ["\u0000\u0001 1 360", undefined, /r\.hea: line 1: bad record name '\?\?'/],
    ["r 1 360 100", "r.dat 16x100000 200", /r\.hea: line 2: bad samples per frame/],
    ["r 1 360 100", "r.dat 16 1e-300", /r\.hea: line 2: ADC gain 1e-300 is outside/],
    ["r 1 360 100", "r.dat 16 200 64", /r\.hea: line 2: ADC resolution 64 is outside 0 to 32 bits/],
    ["r 1 360 100", "r.dat 16 200 12 0 1e30", /r\.hea: line 2: bad initial value '1e30'/],
  ];
  for (const [record, signal, re] of refused)
    assert.throws(
      () => parseHeader(header(record, signal), "/x/r.hea"),
      (e: Error) => e instanceof UserError && re.test(e.message),
    );
  // The edges themselves are accepted.
  assert.equal(parseHeader(header("r 1 1e6 100"), "r.hea").samplingFrequency, 1e6);
  assert.equal(parseHeader(header("r 1 360 100", "r.dat 16 -200"), "r.hea").signals[0]!.gain, -200);
});
