// The record readers on files made here: EDF/EDF+ (signals at their own rates, units, annotations,
// damage refused naming the byte), text records (delimiters, headers, units, time columns, damage
// refused naming the line), the lead rule, and record paths of every format.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { chooseLead, normaliseLeadName } from "../src/dataset/lead-rule.js";
import { readLead } from "../src/dataset/read-lead.js";
import { UsageError, UserError } from "../src/errors.js";
import { readRecord, recordFiles, recordName } from "../src/io/read-record.js";
import { expandRecords, recordPathOf } from "../src/record/records.js";
import { type EdfOut, edfBytes } from "./helpers/edf.js";
import { repoRoot } from "./helpers/mitdb.js";

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-io-readers-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const p = path.join(tmp, name);
  writeFileSync(p, content);
  return p;
}

/** A user error whose one-line message matches. */
function refused(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `a UserError, not ${String(e)}`);
    assert.match(e.message, message);
    assert.ok(!e.message.includes("\n"), "one line");
    return true;
  });
}

/** 4 s of a 1 mV square-ish wave at 200 Hz (ECG, µV) and 50 Hz (respiration), EDF+ with two annotations. */
function twoRateEdf(over: Partial<EdfOut> = {}): EdfOut {
  const records = 4;
  return {
    dataRecords: records,
    recordDuration: "1",
    signals: [
      {
        label: "Resp",
        units: "",
        physicalMin: -1,
        physicalMax: 1,
        digitalMin: -1000,
        digitalMax: 1000,
        samplesPerRecord: 50,
        digital: Array.from({ length: records * 50 }, (_, i) => (i % 50) * 10),
      },
      {
        label: "ECG II",
        units: "uV",
        physicalMin: -3276.8,
        physicalMax: 3276.7,
        digitalMin: -32768,
        digitalMax: 32767,
        samplesPerRecord: 200,
        digital: Array.from({ length: records * 200 }, (_, i) => (i % 200 < 10 ? 10000 : -500)),
      },
    ],
    annotations: [
      { onset: 0.5, text: "Recording starts" },
      { onset: 2.25, duration: 1.5, text: "Électrode débranchée" },
    ],
    ...over,
  };
}

test("EDF+: each signal at its own rate and unit, annotations with durations, the lead in mV", () => {
  const p = file("two.edf", edfBytes(twoRateEdf()));
  const rec = readRecord(p);
  assert.equal(rec.format, "edf");
  assert.equal(rec.name, "two");
  assert.deepEqual(
    rec.signals.map((s) => [s.name, s.units, s.fs, s.length]),
    [
      ["Resp", "", 50, 200],
      ["ECG II", "uV", 200, 800],
    ],
  );
  assert.deepEqual(rec.annotations, [
    { onset: 0.5, text: "Recording starts" },
    { onset: 2.25, duration: 1.5, text: "Électrode débranchée" },
  ]);
  // Physical = the digital range mapped onto the physical one: 10000 → 1000 µV.
  assert.ok(Math.abs(rec.samples(1)[0]! - 1000) < 1e-3);
  assert.ok(Math.abs(rec.samples(0)[1]! - 0.01) < 1e-6);
  // The rule skips the respiration signal (its name) and takes lead II, converted to millivolts.
  const lead = readLead(p);
  assert.equal(lead.lead, "ECG II");
  assert.equal(lead.reason, "lead II");
  assert.equal(lead.fs, 200);
  assert.ok(Math.abs(lead.signal[0]! - 1) < 1e-6);
  assert.ok(Math.abs(lead.signal[10]! - -0.05) < 1e-6);
  assert.equal(readLead(p, { lead: "0" }).lead, "Resp");
  assert.equal(readLead(p, { lead: "resp" }).lead, "Resp");
});

test("EDF+D whose data records follow each other is read; with a gap it is refused naming the byte", () => {
  const contiguous = file("d.edf", edfBytes(twoRateEdf()));
  assert.equal(readRecord(contiguous).signals.length, 2);
  const gap = file("gap.edf", edfBytes(twoRateEdf({ recordOnset: (r) => (r < 2 ? r : r + 10) })));
  refused(
    () => readRecord(gap),
    /^gap\.edf: byte \d+: data record 2 starts at 12 s, not 2 s: a discontinuous recording/,
  );
});

test("damaged EDF files are refused in one line naming the file and the byte", () => {
  const good = edfBytes(twoRateEdf());
  const mutate = (name: string, at: number, text: string): string => {
    const b = Buffer.from(good);
    b.write(text.padEnd(8, " ").slice(0, Math.max(text.length, 1)), at, "latin1");
    return file(name, b);
  };
  refused(() => readRecord(mutate("v.edf", 0, "1       ")), /^v\.edf: byte 0: version '1' is not EDF's '0'/);
  refused(
    () => readRecord(mutate("h.edf", 184, "999     ")),
    /^h\.edf: byte 184: header size 999 is not 256 \+ 256 × 3 signals = 1024/,
  );
  refused(
    () => readRecord(mutate("n.edf", 236, "abc     ")),
    /^n\.edf: byte 236: number of data records 'abc' is not a number/,
  );
  refused(
    () => readRecord(mutate("d.edf", 244, "0       ")),
    /^d\.edf: byte 244: duration of a data record 0 s is not positive/,
  );
  // Signal 1's digital minimum (the fields after 256 + 3 × (16 + 80 + 8 + 8 + 8) bytes, 8 per signal).
  const digitalMin1 = 256 + 3 * (16 + 80 + 8 + 8 + 8) + 8;
  refused(
    () => readRecord(mutate("r.edf", digitalMin1, "40000   ")),
    new RegExp(`^r\\.edf: byte ${digitalMin1}: signal 1 \\(ECG II\\): digital range 40000 to 32767`),
  );
  refused(
    () => readRecord(file("t.edf", good.subarray(0, good.length - 7))),
    /^t\.edf: truncated: 4 data records of \d+ bytes need \d+ bytes, the file has \d+/,
  );
  refused(
    () => readRecord(file("s.edf", good.subarray(0, 100))),
    /^s\.edf: 100 bytes is shorter than an EDF header/,
  );
  refused(
    () => readRecord(path.join(tmp, "missing.edf")),
    /^missing\.edf: cannot read EDF file \(no such file\)/,
  );
  // A malformed annotation onset: the byte where its list starts.
  const b = Buffer.from(good);
  const at = b.indexOf("+2.25", 0, "latin1");
  b.write("x", at, "latin1");
  refused(() => readRecord(file("a.edf", b)), new RegExp(`^a\\.edf: byte ${at}: annotation onset 'x2\\.25`));
});

test("plain EDF: a signal labelled 'EDF Annotations' is an ordinary signal; -1 data records means 'as many as the file holds'", () => {
  const out = twoRateEdf({ headerRecords: "-1" });
  delete out.annotations;
  const rec = readRecord(file("plain.edf", edfBytes(out)));
  assert.deepEqual(rec.annotations, []);
  assert.equal(rec.signals[1]!.length, 800);
});

test("text records: delimiters, quotes, a units line or units in names, a time column, a line-number column", () => {
  const csv = readRecord(
    file(
      "a.csv",
      "'Elapsed time','MLII','V5'\n'seconds','mV','uV'\n0.000,0.1,100\n0.004,0.2,200\n0.008,0.3,300\n",
    ),
  );
  assert.deepEqual(
    csv.signals.map((s) => [s.name, s.units, s.fs]),
    [
      ["MLII", "mV", 250],
      ["V5", "uV", 250],
    ],
  );
  assert.deepEqual(Array.from(csv.samples(1)), [100, 200, 300]);
  const semi = readRecord(file("b.txt", "time (ms);ECG1 [mV];ECG2\n0;1;2\n2;3;4\n4;5;6\n"));
  assert.deepEqual(
    semi.signals.map((s) => [s.name, s.units, s.fs]),
    [
      ["ECG1", "mV", 500],
      ["ECG2", "", 500],
    ],
  );
  const tab = readRecord(file("c.tsv", "sample\tII\n0\t1.5\n1\t-\n2\tnan\n"), { fs: 100 });
  assert.deepEqual(
    tab.signals.map((s) => s.name),
    ["II"],
  );
  const v = tab.samples(0);
  assert.equal(v[0], 1.5);
  assert.ok(Number.isNaN(v[1]!) && Number.isNaN(v[2]!), "'-' and 'nan' are invalid samples");
  // No header: a first column counting the lines is their number; the others are signals 0, 1, …
  const bare = readRecord(file("d.txt", "   0  995 1011\n   1  995 1011\n   2  995 1012\n"), { fs: 360 });
  assert.deepEqual(
    bare.signals.map((s) => s.name),
    ["signal 0", "signal 1"],
  );
  assert.deepEqual(Array.from(bare.samples(1)), [1011, 1011, 1012]);
  // One column, no header: the lead, taken as it is.
  const one = readLead(file("one.txt", "0.1\n0.2\n0.3\n"), { fs: 250 });
  assert.deepEqual([one.lead, one.reason, one.fs], ["signal 0", "first ECG signal", 250]);
  // ISO 8601 time stamps, to the millisecond.
  const iso = readRecord(
    file(
      "iso.csv",
      "timestamp,ECG\n2026-12-03T10:00:00.000Z,1\n2026-12-03T10:00:00.004Z,2\n2026-12-03T10:00:00.008Z,3\n",
    ),
  );
  assert.equal(iso.signals[0]!.fs, 250);
  // A clock time column, and --fs agreeing with it.
  const clock = readRecord(file("e.csv", "time,ECG\n0:00:00.000,1\n0:00:00.010,2\n0:00:00.020,3\n"), {
    fs: 100,
  });
  assert.equal(clock.signals[0]!.fs, 100);
});

test("damaged text records are refused in one line naming the line (and column)", () => {
  refused(
    () => readRecord(file("f1.csv", "MLII\n0.1\n0.2\n")),
    /^f1\.csv: no time column to give the sampling rate: give it with --fs HZ/,
  );
  refused(
    () => readRecord(file("f2.csv", "t,MLII\n0,1\n0.004,2\n0.008\n"), {}),
    /^f2\.csv: line 4: 1 field, where the header \(line 1\) has 2/,
  );
  refused(
    () => readRecord(file("f3.csv", "MLII,V5\n1,2\n3,abc\n"), { fs: 360 }),
    /^f3\.csv: line 3: column 2 \(V5\): 'abc' is not a number/,
  );
  refused(
    () => readRecord(file("f4.csv", "time,MLII\n0,1\n0.004,2\n0.008,3\n0.1,4\n0.104,5\n")),
    /^f4\.csv: line 5: time 0\.1 comes 0\.092\d* s after the line before, where the steps are 0\.004\d* s: a gap or uneven sampling/,
  );
  refused(
    () => readRecord(file("f5.csv", "time,MLII\n0,1\n0.004,2\n0.008,3\n"), { fs: 360 }),
    /^f5\.csv: its time column says 250 Hz, --fs says 360 Hz/,
  );
  refused(() => readRecord(file("f6.csv", "time,sample\n0,0\n1,1\n")), /^f6\.csv: line 1: no signal column/);
  refused(() => readRecord(file("f7.csv", "# nothing\n\n")), /^f7\.csv: no samples/);
  refused(
    () => readRecord(file("f8.csv", "MLII\n1e999\n"), { fs: 360 }),
    /^f8\.csv: line 2: column 1 \(MLII\): '1e999' is out of range/,
  );
  // Invalid samples reach the lead check, which names the sample.
  refused(
    () => readLead(file("f9.csv", "MLII\n1\n-\n2\n3\n"), { fs: 100, usable: true }),
    /^record f9: lead MLII: 1 invalid sample, the first at sample 1/,
  );
  // --fs is for text records only: a usage error for any other.
  assert.throws(
    () => readRecord(file("g.edf", edfBytes(twoRateEdf())), { fs: 250 }),
    (e: unknown) =>
      e instanceof UsageError && /--fs is for text records .* g\.edf is an EDF record/.test(e.message),
  );
});

test("the lead rule: MLII, lead II by its names, V5/CM5, then the first ECG signal; by name or index", () => {
  const where = { record: "r", file: "r.hea" };
  const pick = (names: string[], units: string[] = [], wanted?: string) =>
    chooseLead(
      names.map((name, i) => ({ name, units: units[i] ?? "mV" })),
      wanted,
      where,
    );
  assert.deepEqual(pick(["V1", "MLII"]), { index: 1, reason: "MLII" });
  assert.deepEqual(pick(["V5", "ECG Lead II"]), { index: 1, reason: "lead II" });
  assert.deepEqual(pick(["V1", "ML2"]), { index: 1, reason: "lead II" });
  assert.deepEqual(pick(["D3", "D2"]), { index: 1, reason: "lead II" });
  assert.deepEqual(pick(["V1", "II"]), { index: 1, reason: "lead II" });
  assert.deepEqual(pick(["V1", "CM5"]), { index: 1, reason: "V5/CM5" });
  assert.deepEqual(pick(["CC5", "ECG V5"]), { index: 1, reason: "V5/CM5" });
  // ECG2 is a second channel, not lead II; the first ECG signal is ECG1.
  assert.deepEqual(pick(["ECG1", "ECG2"]), { index: 0, reason: "first ECG signal" });
  assert.deepEqual(pick(["EEG Fpz-Cz", "Resp", "EKG"], ["uV", "", "uV"]), {
    index: 2,
    reason: "first ECG signal",
  });
  assert.deepEqual(pick(["Pleth", "chan 2"], ["NU", "mV"]), { index: 1, reason: "first ECG signal" });
  assert.deepEqual(pick(["V1-V2", "V4-V5"]), { index: 0, reason: "first ECG signal" });
  // A signal the file does not name is the ECG only when it is alone.
  const unnamed = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ name: `signal ${i}`, named: false, units: "mV" }));
  assert.deepEqual(chooseLead(unnamed(1), undefined, where), { index: 0, reason: "first ECG signal" });
  refused(
    () => chooseLead(unnamed(2), undefined, where),
    /^record r: no ECG signal among its signals \(0 signal 0, 1 signal 1\)/,
  );
  assert.deepEqual(chooseLead(unnamed(2), "1", where), { index: 1, reason: "asked" });
  assert.deepEqual(pick(["MLII", "V5"], [], "v5"), { index: 1, reason: "asked" });
  assert.deepEqual(pick(["MLII", "V5"], [], "1"), { index: 1, reason: "asked" });
  assert.equal(normaliseLeadName("ECG Lead II"), "ii");
  assert.equal(normaliseLeadName("ECG2"), "2");
  refused(() => pick(["MLII", "V5"], [], "V9"), /^record r: no lead 'V9' \(signals: 0 MLII, 1 V5\)$/);
  refused(() => pick(["MLII", "V5"], [], "2"), /^record r: no signal 2 \(it has 2: 0 MLII, 1 V5\)$/);
  refused(
    () => pick(["EEG C3", "ABP"], ["uV", "mmHg"]),
    /^record r: no ECG signal among its signals \(0 EEG C3, 1 ABP\); name one with --lead$/,
  );
});

test("record paths of every format: x.edf and x.csv as they are, 100.hea as 100; a directory's WFDB and EDF records", () => {
  const dir = path.join(tmp, "db");
  mkdirSync(dir);
  writeFileSync(path.join(dir, "a.hea"), "a 1 360 0\na.dat 16 200 11 0 0 0 0 MLII\n");
  writeFileSync(path.join(dir, "a.dat"), Buffer.alloc(0));
  writeFileSync(path.join(dir, "b.edf"), edfBytes(twoRateEdf()));
  writeFileSync(path.join(dir, "beats.csv"), "sample\n1\n");
  assert.equal(recordPathOf(path.join(dir, "a.hea")), path.join(dir, "a"));
  assert.equal(recordPathOf(path.join(dir, "b.edf")), path.join(dir, "b.edf"));
  assert.equal(recordPathOf(path.join(dir, "beats.csv")), path.join(dir, "beats.csv"));
  assert.deepEqual(expandRecords([dir, path.join(dir, "b.edf")]), [
    path.join(dir, "a"),
    path.join(dir, "b.edf"),
  ]);
  assert.equal(recordName(path.join(dir, "b.edf")), "b");
  assert.deepEqual(
    recordFiles(path.join(dir, "b.edf")).map((f) => f.file),
    [path.join(dir, "b.edf")],
  );
});

test("ecg detect on an EDF file names the lead it chose; a bad file is one line, exit 1; --fs on it exit 2", () => {
  const bin = path.join(repoRoot, "bin", "ecg.js");
  const edf = file(
    "cli.edf",
    edfBytes(
      twoRateEdf({
        dataRecords: 30,
        signals: twoRateEdf().signals.map((s) => ({
          ...s,
          digital: Array.from({ length: 30 * s.samplesPerRecord }, (_, i) =>
            s.label === "Resp" ? 0 : i % 160 < 4 ? 12000 : 0,
          ),
        })),
      }),
    ),
  );
  const ok = spawnSync(process.execPath, [bin, "detect", "--record", edf], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /record cli: \d+ R peaks on ECG II in/);
  const bad = spawnSync(
    process.execPath,
    [bin, "detect", "--record", file("bad.edf", Buffer.alloc(300, 32))],
    {
      encoding: "utf8",
    },
  );
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^ecg: error: bad\.edf: byte 0: version '' is not EDF's '0'.*\n$/);
  const usage = spawnSync(process.execPath, [bin, "detect", "--record", edf, "--fs", "250"], {
    encoding: "utf8",
  });
  assert.equal(usage.status, 2, usage.stderr);
});
