// Record arguments: a record path as WFDB writes it (data/mitdb/100; 100.hea and 100.dat name it
// too), an EDF or text file (x.edf, x.csv: io/read-record.ts), or a directory standing for every
// WFDB and EDF record in it (each NAME.hea, NAME.edf; text files there are left alone: a folder of
// results is full of CSVs).
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { UserError } from "../errors.js";
import { readerFor } from "../io/read-record.js";
import { fileKey } from "../output-guard.js";

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The record a path names: `100` as it is; an EDF or text file (`x.edf`, `x.csv`) as it is;
 * `100.hea`, `100.dat`, `100.atr` (any other extension) as `100` when `100.hea` exists and
 * `100.hea.hea` (etc.) does not.
 */
export function recordPathOf(arg: string): string {
  if (existsSync(`${arg}.hea`) || readerFor(arg).format !== "wfdb") return arg;
  const ext = path.extname(arg);
  if (ext !== "" && existsSync(`${arg.slice(0, -ext.length)}.hea`)) return arg.slice(0, -ext.length);
  return arg;
}

/**
 * Expands directories into their records (sorted by name); other paths name one record each. A
 * record named twice (the same .hea, by any path) is kept once, at its first place; `onDuplicate`
 * hears each dropped path.
 */
export function expandRecords(args: readonly string[], onDuplicate?: (record: string) => void): string[] {
  const all: string[] = [];
  for (const a of args) {
    if (!isDirectory(a)) {
      all.push(recordPathOf(a));
      continue;
    }
    const names = readdirSync(a)
      .flatMap((f) => {
        const lower = f.toLowerCase();
        return lower.endsWith(".hea") ? [f.slice(0, -4)] : lower.endsWith(".edf") ? [f] : [];
      })
      .sort((x, y) => x.localeCompare(y, "en", { numeric: true }));
    if (names.length === 0) throw new UserError(`${a}: no records (.hea or .edf files) in this directory`, a);
    for (const n of names) all.push(path.join(a, n));
  }
  const seen = new Set<string>();
  return all.filter((r) => {
    const key = fileKey(readerFor(r).format === "wfdb" ? `${r}.hea` : r);
    if (!seen.has(key)) return seen.add(key);
    onDuplicate?.(r);
    return false;
  });
}
