// Mutated WFDB records for the hostile-input suite. The base is the first minute of MIT-BIH record
// 100 (both leads, reference annotations), written as a format-16 record named 100 with correct
// checksums; each case is a copy with its header, its signal or its annotations damaged.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Annotation, encodeAnnotations, readAnnotations } from "../../src/wfdb/annotation.js";
import { readRecord, signalChecksum } from "../../src/wfdb/record.js";
import type { HostileCase, RunResult } from "./hostile.js";

const FS = 360;
const FRAMES = 60 * FS;

export interface BaseRecord {
  /** Interleaved samples, frame by frame (MLII, V5). */
  samples: Int16Array;
  annotations: Annotation[];
}

export function baseRecord(mitdbRecord: string): BaseRecord {
  const rec = readRecord(mitdbRecord);
  const samples = new Int16Array(FRAMES * 2);
  for (let f = 0; f < FRAMES; f++) {
    samples[2 * f] = rec.digital[0]![f]!;
    samples[2 * f + 1] = rec.digital[1]![f]!;
  }
  const annotations = readAnnotations(mitdbRecord).filter((a) => a.sample < FRAMES);
  return { samples, annotations };
}

/** The header of a two-signal format-16 record with these samples (checksums and first values true). */
export function headerFor(
  samples: Int16Array,
  frames = samples.length / 2,
  fs: number | string = FS,
): string {
  const lines = [`100 2 ${fs} ${frames}`];
  ["MLII", "V5"].forEach((lead, s) => {
    const one = new Int32Array(frames);
    for (let f = 0; f < frames; f++) one[f] = samples[2 * f + s]!;
    lines.push(`100.dat 16 200 11 1024 ${one[0] ?? 0} ${signalChecksum(one)} 0 ${lead}`);
  });
  return `${lines.join("\r\n")}\r\n`;
}

export interface RecordMutation {
  header?: (text: string) => string;
  samples?: (s: Int16Array) => Int16Array;
  dat?: (bytes: Buffer) => Buffer;
  annotations?: (a: Annotation[]) => Annotation[];
  atr?: (bytes: Buffer) => Buffer;
}

/** Writes `dir/name/100.{hea,dat,atr}` with the mutation applied; returns the record path. */
export function writeRecord(dir: string, name: string, base: BaseRecord, m: RecordMutation = {}): string {
  const out = path.join(dir, name);
  mkdirSync(out, { recursive: true });
  const samples = m.samples ? m.samples(Int16Array.from(base.samples)) : base.samples;
  let header = headerFor(samples);
  if (m.header) header = m.header(header);
  let dat = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  if (m.dat) dat = m.dat(Buffer.from(dat));
  let atr = encodeAnnotations(
    m.annotations ? m.annotations(base.annotations.map((a) => ({ ...a }))) : base.annotations,
  );
  if (m.atr) atr = m.atr(Buffer.from(atr));
  writeFileSync(path.join(out, "100.hea"), header, "latin1");
  writeFileSync(path.join(out, "100.dat"), dat);
  writeFileSync(path.join(out, "100.atr"), atr);
  return path.join(out, "100");
}

const files = (record: string): string[] => ["hea", "dat", "atr"].map((e) => `${record}.${e}`);

/** A detect CSV: `sample`, then increasing sample indices inside the signal. */
function detectCsvCheck(frames: number) {
  return (r: RunResult): string | undefined => {
    const lines = r.stdout.trimEnd().split("\n");
    if (lines[0] !== "sample") return `no 'sample' header: ${lines[0]}`;
    let last = -1;
    for (const l of lines.slice(1)) {
      const v = Number(l);
      if (!Number.isInteger(v) || v <= last || v >= frames) return `bad peak '${l}'`;
      last = v;
    }
    return undefined;
  };
}

/** The same peaks as the clean record gave. */
function samePeaks(baseline: string) {
  return (r: RunResult): string | undefined =>
    r.stdout === baseline ? undefined : `peaks differ from the clean record's (${r.stdout.length} bytes)`;
}

/** `a` with a[i] = v. */
function withValue<T extends { [i: number]: number }>(a: T, i: number, v: number): T {
  a[i] = v;
  return a;
}

/** Replaces one field (0-based) of the header's line `line` (0: the record line). */
function field(line: number, index: number, value: string) {
  return (text: string): string => {
    const lines = text.split("\r\n");
    const tok = lines[line]!.split(" ");
    tok[index] = value;
    lines[line] = tok.join(" ");
    return lines.join("\r\n");
  };
}

/** Header and signal cases, run through `ecg detect` (no libtorch: fast). */
export function headerAndSignalCases(dir: string, base: BaseRecord, baseline: string): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (
    name: string,
    m: RecordMutation,
    expect: HostileCase["expect"],
    names: string,
    same = false,
  ): void => {
    const rec = writeRecord(dir, name.replace(/[^a-z0-9]+/gi, "_"), base, m);
    cases.push({
      name: `wfdb/${name}`,
      args: ["detect", "--record", rec],
      names,
      expect,
      check: same ? samePeaks(baseline) : detectCsvCheck(FRAMES),
      protect: files(rec),
    });
  };
  // The record line.
  for (const fs of ["Infinity", "1e9", "0", "-360", "NaN", "abc", "1e400"])
    add(`header fs=${fs}`, { header: field(0, 2, fs) }, "error", "100.hea");
  for (const fs of ["1e-9", "36", "49.9"])
    add(`header fs=${fs} (no usable rate)`, { header: field(0, 2, fs) }, "error", "record 100");
  add(
    "header fs=60 (a wrong rate: 4.8 s between beats)",
    { header: field(0, 2, "60") },
    "error",
    "record 100",
  );
  add("header fs=360.000001", { header: field(0, 2, "360.000001") }, "ok", "", true);
  add("header fs=123.4567 (a fine ratio)", { header: field(0, 2, "123.4567") }, "either", "record 100");
  add("header fs=999999.999", { header: field(0, 2, "999999.999") }, "error", "record 100");
  add("header fs=360/1e400 (counter frequency)", { header: field(0, 2, "360/1e400") }, "ok", "", true);
  for (const n of ["1e9", "-1", "2.5", "x"])
    add(`header nsig=${n}`, { header: field(0, 1, n) }, "error", "100.hea");
  add("header nsig=3 (a signal line missing)", { header: field(0, 1, "3") }, "error", "100.hea");
  add("header nsig=1 (the file holds two)", { header: field(0, 1, "1") }, "error", "100.dat");
  for (const n of ["1e15", "-5", "1.5", "9007199254740993"])
    add(`header nsamp=${n}`, { header: field(0, 3, n) }, "error", "100.hea");
  add(
    "header nsamp=2x (signal file too short)",
    { header: field(0, 3, String(2 * FRAMES)) },
    "error",
    "100.dat",
  );
  add("header nsamp=0 (from the file's length)", { header: field(0, 3, "0") }, "ok", "", true);
  add(
    "header nsamp omitted",
    { header: (t) => t.replace(`100 2 ${FS} ${FRAMES}`, `100 2 ${FS}`) },
    "ok",
    "",
    true,
  );
  add("header multi-segment", { header: field(0, 0, "100/3") }, "error", "100.hea");
  // Signal lines.
  for (const g of ["1e-300", "NaN", "Infinity", "1e400", "abc", "200(1e30)", "200(x)"])
    add(`header gain=${g}`, { header: field(1, 2, g) }, "error", "100.hea");
  add("header gain=0 (WFDB's default 200)", { header: field(1, 2, "0") }, "ok", "", true);
  add("header gain=-200 (inverted lead)", { header: field(1, 2, "-200") }, "either", "record 100");
  for (const f of ["999", "16x1000000000", "16:99999999999", "16+99999999999999999999", "16x0", "-16", "212"])
    add(`header format=${f}`, { header: field(1, 1, f) }, "error", "100");
  add("header resolution=99", { header: field(1, 3, "99") }, "error", "100.hea");
  add("header checksum wrong", { header: field(1, 6, "12345") }, "error", "100.dat");
  add("header initial value=1e30", { header: field(1, 5, "1e30") }, "error", "100.hea");
  add(
    "header signal file ../../etc/hostname",
    { header: (t) => t.replaceAll("100.dat", "../../../../../../etc/hostname") },
    "error",
    "hostname",
  );
  add(
    "header signal file is a directory",
    { header: (t) => t.replaceAll("100.dat 16", ". 16") },
    "error",
    "100",
  );
  add(
    "header no lead names",
    { header: (t) => t.replace(" 0 MLII", " 0").replace(" 0 V5", " 0") },
    "error",
    "record 100",
  );
  add("header LF line ends", { header: (t) => t.replaceAll("\r\n", "\n") }, "ok", "", true);
  add("header tabs and blanks", { header: (t) => t.replaceAll(" ", " \t ") }, "ok", "", true);
  add("header 20k comment lines", { header: (t) => `${"# note\n".repeat(20_000)}${t}` }, "ok", "", true);
  add("header empty", { header: () => "" }, "error", "100.hea");
  add("header binary", { header: () => "\u0000\u00ff\u0001\u0002garbage\u0000" }, "error", "100.hea");
  add("header comments only", { header: () => "# nothing\n# here\n" }, "error", "100.hea");
  add("header NUL in a field", { header: field(0, 2, "36\u00000") }, "error", "100.hea");
  // Signals.
  add("signal empty file", { dat: () => Buffer.alloc(0) }, "error", "100.dat");
  add("signal truncated by half", { dat: (b) => b.subarray(0, b.length / 2) }, "error", "100.dat");
  add("signal one byte short", { dat: (b) => b.subarray(0, b.length - 1) }, "error", "100.dat");
  add(
    "signal with trailing garbage",
    { dat: (b) => Buffer.concat([b, Buffer.alloc(999, 7)]) },
    "ok",
    "",
    true,
  );
  add("signal bit flip (checksum)", { dat: (b) => withValue(b, 1000, b[1000]! ^ 4) }, "error", "100.dat");
  add("signal flat", { samples: (s) => s.fill(1000) }, "error", "record 100");
  add("signal all invalid", { samples: (s) => s.fill(-32768) }, "error", "record 100");
  add("signal one invalid sample", { samples: (s) => withValue(s, 2 * 5000, -32768) }, "error", "record 100");
  add(
    "signal MLII zero, V5 kept",
    { samples: (s) => s.map((v, i) => (i % 2 === 0 ? 0 : v)) },
    "error",
    "record 100",
  );
  add(
    "signal full-scale square wave",
    { samples: (s) => s.map((_, i) => ((i >> 9) % 2 ? 32767 : -32767)) },
    "either",
    "record 100",
  );
  add(
    "signal random noise",
    { samples: (s) => s.map((_, i) => (Math.imul(i, 2654435761) >> 20) % 2000) },
    "either",
    "record 100",
  );
  add("signal 2 s only", { samples: (s) => s.subarray(0, 2 * 2 * FS) }, "either", "record 100");
  add("signal no samples", { samples: () => new Int16Array(0) }, "error", "100");
  return cases;
}

/** Annotation cases, run through `ecg compare --detect` (reads the reference annotations). */
export function annotationCases(dir: string, base: BaseRecord): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (name: string, m: RecordMutation, expect: HostileCase["expect"], lenientToo: boolean): void => {
    const rec = writeRecord(dir, `atr_${name.replace(/[^a-z0-9]+/gi, "_")}`, base, m);
    const check = (r: RunResult): string | undefined =>
      /NaN|undefined/.test(r.stdout) || !r.stdout.includes("record 100")
        ? `bad report: ${r.stdout.slice(0, 200)}`
        : undefined;
    cases.push({
      name: `atr/${name}`,
      args: ["compare", "--record", rec, "--detect"],
      names: "100.atr",
      expect,
      check,
      protect: files(rec),
    });
    if (lenientToo)
      cases.push({
        name: `atr/${name} (lenient)`,
        args: ["compare", "--record", rec, "--detect", "--lenient-annotations"],
        names: "100.atr",
        expect: "ok",
        check,
        protect: files(rec),
      });
  };
  add("clean", {}, "ok", false);
  add("no end marker", { atr: (b) => b.subarray(0, b.length - 2) }, "error", true);
  add("cut mid-stream", { atr: (b) => b.subarray(0, 101) }, "error", true);
  add("empty file", { atr: () => Buffer.alloc(0) }, "error", false);
  add("end marker only", { atr: () => Buffer.alloc(2) }, "either", false);
  add("unsorted times", { annotations: (a) => [...a.slice(10), ...a.slice(0, 10)] }, "error", true);
  add("a negative time", { annotations: (a) => [{ ...a[0]!, sample: -500 }, ...a.slice(1)] }, "error", true);
  add(
    "beats past the signal's end",
    { annotations: (a) => [...a, { ...a.at(-1)!, sample: FRAMES + 10_000 }] },
    "error",
    true,
  );
  add(
    "a beat at sample 2^31-1",
    { annotations: (a) => [...a, { ...a.at(-1)!, sample: 2 ** 31 - 1 }] },
    "error",
    true,
  );
  add("unknown code 55", { atr: (b) => Buffer.concat([Buffer.from([0x01, 55 << 2]), b]) }, "error", false);
  add(
    "AUX past the end",
    { atr: (b) => Buffer.concat([b.subarray(0, 8), Buffer.from([0xff, 0xff])]) },
    "error",
    false,
  );
  add(
    "random bytes",
    { atr: () => Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) & 0xff)) },
    "error",
    false,
  );
  add(
    "SKIP at the end",
    { atr: (b) => Buffer.concat([b.subarray(0, b.length - 2), Buffer.from([0x00, 59 << 2])]) },
    "error",
    false,
  );
  return cases;
}

export { FRAMES, files as recordFilesOf };
