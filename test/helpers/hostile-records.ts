// Mutated EDF and text records for the hostile-input suite: the first minute of record 100 (the
// base of hostile-wfdb.ts) written as EDF+ (1 s data records, its beats as annotations) and as a CSV
// in rdsamp's form, then damaged; each through `ecg detect`. A clean copy (and a harmless change:
// trailing bytes, CRLF, a byte-order mark) must give the WFDB record's own peaks.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type EdfOut, edfBytes } from "./edf.js";
import type { HostileCase, RunResult } from "./hostile.js";
import type { BaseRecord } from "./hostile-wfdb.js";

const FS = 360;
const SECONDS = 60;

function edfOf(base: BaseRecord, over: Partial<EdfOut> = {}): EdfOut {
  return {
    dataRecords: SECONDS,
    recordDuration: "1",
    signals: ["MLII", "V5"].map((label, s) => ({
      label,
      units: "mV",
      physicalMin: -32768 / 200,
      physicalMax: 32767 / 200,
      digitalMin: -32768,
      digitalMax: 32767,
      samplesPerRecord: FS,
      digital: Int16Array.from({ length: SECONDS * FS }, (_, f) => base.samples[2 * f + s]! - 1024),
    })),
    annotations: base.annotations.map((a) => ({ onset: Number((a.sample / FS).toFixed(6)), text: a.symbol })),
    ...over,
  };
}

function csvOf(base: BaseRecord): string {
  const lines = ["'Elapsed time','MLII','V5'", "'seconds','mV','mV'"];
  for (let f = 0; f < SECONDS * FS; f++)
    lines.push(
      `${(f / FS).toFixed(3)},${((base.samples[2 * f]! - 1024) / 200).toFixed(3)},${((base.samples[2 * f + 1]! - 1024) / 200).toFixed(3)}`,
    );
  return `${lines.join("\n")}\n`;
}

/** Writes one bytes into the EDF header at `at` (an 8-character field, blank-padded). */
function headerField(bytes: Buffer, at: number, value: string, width = 8): Buffer {
  const b = Buffer.from(bytes);
  b.write(value.padEnd(width, " ").slice(0, width), at, "latin1");
  return b;
}

/** The byte where signal `k`'s field of `width` starts, `offset` bytes into the per-signal header. */
const signalField = (offset: number, width: number, k: number, ns = 3): number =>
  256 + offset * ns + width * k;
const SPR = 16 + 80 + 8 + 8 + 8 + 8 + 8 + 80;

export function recordFileCases(dir: string, base: BaseRecord, baseline: string): HostileCase[] {
  mkdirSync(dir, { recursive: true });
  const cases: HostileCase[] = [];
  const samePeaks = (r: RunResult): string | undefined =>
    r.stdout === baseline ? undefined : `peaks differ from the WFDB record's (${r.stdout.length} bytes)`;
  const add = (
    name: string,
    fileName: string,
    content: Buffer | string,
    expect: HostileCase["expect"],
    names: string,
    extra: string[] = [],
  ): void => {
    const sub = path.join(dir, name.replace(/[^a-z0-9]+/gi, "_"));
    mkdirSync(sub, { recursive: true });
    const file = path.join(sub, fileName);
    writeFileSync(file, content);
    cases.push({
      name: `records/${name}`,
      args: ["detect", "--record", file, ...extra],
      names,
      expect,
      ...(expect === "ok" ? { check: samePeaks } : {}),
      protect: [file],
    });
  };
  const edf = edfBytes(edfOf(base));
  // EDF: what must read as the record itself.
  add("edf clean", "100.edf", edf, "ok", "");
  add("edf trailing bytes", "100.edf", Buffer.concat([edf, Buffer.alloc(100, 7)]), "ok", "");
  add("edf records -1 (unknown)", "100.edf", headerField(edf, 236, "-1"), "ok", "");
  add("edf plain, no annotations", "100.edf", edfBytes(edfOf(base, { annotations: undefined })), "ok", "");
  // EDF: the header's fields.
  add("edf version 1", "100.edf", headerField(edf, 0, "1"), "error", "100.edf: byte 0");
  add("edf BIOSEMI (BDF)", "100.edf", headerField(edf, 0, "\xffBIOSEMI"), "error", "100.edf: byte 0");
  for (const v of ["999", "abc", "-1", "1e9"])
    add(`edf header bytes ${v}`, "100.edf", headerField(edf, 184, v), "error", "100.edf: byte 184");
  for (const v of ["0", "-3", "abc", "99999", "1.5"])
    add(`edf signals ${v}`, "100.edf", headerField(edf, 252, v, 4), "error", "100.edf: byte 252");
  for (const v of ["abc", "-7", "1.5", "99999999"])
    add(`edf data records ${v}`, "100.edf", headerField(edf, 236, v), "error", "100.edf");
  for (const v of ["0", "-1", "NaN", "1e400", "x"])
    add(`edf record duration ${v}`, "100.edf", headerField(edf, 244, v), "error", "100.edf: byte 244");
  for (const v of ["0", "-5", "1e12", "abc"])
    add(
      `edf samples per record ${v}`,
      "100.edf",
      headerField(edf, signalField(SPR, 8, 0), v),
      "error",
      "100.edf: byte",
    );
  add(
    "edf digital min above max",
    "100.edf",
    headerField(edf, signalField(16 + 80 + 8 + 8 + 8, 8, 0), "40000"),
    "error",
    "100.edf: byte",
  );
  add(
    "edf physical min = max",
    "100.edf",
    headerField(edf, signalField(16 + 80 + 8, 8, 0), "163.835"),
    "error",
    "100.edf: byte",
  );
  add(
    "edf truncated mid-record",
    "100.edf",
    edf.subarray(0, edf.length - 1000),
    "error",
    "100.edf: truncated",
  );
  add("edf header only", "100.edf", edf.subarray(0, 256 * 4), "error", "100.edf: truncated");
  add("edf 100 bytes", "100.edf", edf.subarray(0, 100), "error", "100.edf");
  add("edf empty", "100.edf", Buffer.alloc(0), "error", "100.edf");
  add(
    "edf binary garbage",
    "100.edf",
    Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 37) % 256)),
    "error",
    "100.edf",
  );
  add(
    "edf zero data records",
    "100.edf",
    edfBytes(edfOf(base, { dataRecords: 0, annotations: undefined })),
    "error",
    "record 100",
  );
  add(
    "edf one sample per 1000 s",
    "100.edf",
    headerField(edfBytes(edfOf(base, { annotations: undefined })), 244, "1000"),
    "error",
    "record 100",
  );
  // EDF: the leads and the annotations.
  add(
    "edf no lead names",
    "100.edf",
    edfBytes(edfOf(base, { signals: edfOf(base).signals.map((s) => ({ ...s, label: "" })) })),
    "error",
    "record 100",
  );
  add(
    "edf leads in mmHg",
    "100.edf",
    edfBytes(edfOf(base, { signals: edfOf(base).signals.map((s) => ({ ...s, units: "mmHg" })) })),
    "ok", // named MLII: the lead rule goes by the name; the values are kept as they are
    "",
  );
  add(
    "edf+d with a gap",
    "100.edf",
    edfBytes(edfOf(base, { recordOnset: (r) => (r < 30 ? r : r + 5) })),
    "error",
    "100.edf: byte",
  );
  const badTal = Buffer.from(edf);
  badTal.write("*", badTal.indexOf("+1\x14\x14", 0, "latin1"), "latin1");
  add("edf+ bad time-keeping list", "100.edf", badTal, "error", "100.edf: byte");
  const unterminated = Buffer.from(edf);
  unterminated.fill(0x41, edf.length - 100);
  add("edf+ annotation list without its 0 byte", "100.edf", unterminated, "error", "100.edf: byte");
  add(
    "edf+ 20,000 annotations",
    "100.edf",
    edfBytes(
      edfOf(base, {
        annotations: Array.from({ length: 20_000 }, (_, i) => ({ onset: i * 0.003, text: "x" })),
      }),
    ),
    "ok",
    "",
  );
  add("edf --fs given", "100.edf", edf, "error", "--fs", ["--fs", "360"]);

  // Text.
  const csv = csvOf(base);
  add("csv clean (rdsamp -c -p -v)", "100.csv", csv, "ok", "");
  add("csv CRLF", "100.csv", csv.replaceAll("\n", "\r\n"), "ok", "");
  add("csv byte-order mark", "100.csv", `\ufeff${csv}`, "ok", "");
  add("csv as tab-separated .txt", "100.txt", csv.replaceAll(",", "\t"), "ok", "");
  add(
    "csv comment lines",
    "100.csv",
    `# exported\n${csv.replace("\n'seconds'", "\n# units next\n'seconds'")}`,
    "ok",
    "",
  );
  const lines = csv.split("\n");
  const at = (i: number, line: string): string =>
    [...lines.slice(0, i), line, ...lines.slice(i + 1)].join("\n");
  add("csv a word in a cell", "100.csv", at(5000, "13.883,abc,0.1"), "error", "100.csv: line 5001");
  add("csv a missing field", "100.csv", at(5000, "13.883,0.1"), "error", "100.csv: line 5001");
  add("csv an extra field", "100.csv", at(5000, "13.883,0.1,0.2,0.3"), "error", "100.csv: line 5001");
  add("csv 1e39 (beyond float32)", "100.csv", at(5000, "13.883,1e39,0.1"), "error", "100.csv: line 5001");
  add("csv time going back", "100.csv", at(5000, "1.000,0.1,0.1"), "error", "100.csv: line");
  add(
    "csv a gap in time",
    "100.csv",
    lines.slice(0, 5000).concat(lines.slice(5360)).join("\n"),
    "error",
    "100.csv: line",
  );
  add("csv an invalid sample (-)", "100.csv", at(5000, "13.883,-,0.1"), "error", "record 100");
  add(
    "csv no time column, no --fs",
    "100.csv",
    lines.map((l) => l.split(",").slice(1).join(",")).join("\n"),
    "error",
    "100.csv",
  );
  add("csv --fs against its time column", "100.csv", csv, "error", "100.csv", ["--fs", "250"]);
  add("csv header only", "100.csv", lines.slice(0, 2).join("\n"), "error", "100.csv");
  add("csv empty", "100.csv", "", "error", "100.csv");
  add(
    "csv binary",
    "100.csv",
    Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 91) % 256)),
    "either",
    "100.csv",
  );
  add("csv one line of 2 MB", "100.csv", `MLII\n${"1,".repeat(1_000_000)}\n`, "error", "100.csv", [
    "--fs",
    "360",
  ]);
  add("csv --fs 0", "100.csv", csv, "error", "--fs", ["--fs", "0"]);
  return cases;
}
