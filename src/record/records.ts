// Record arguments: a record path as WFDB writes it (data/mitdb/100; 100.hea and 100.dat name it
// too), or a directory standing for every record in it (each NAME.hea); and the files a record is.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { UserError } from "../errors.js";
import { fileKey } from "../output-guard.js";

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The record a path names: `100` as it is; `100.hea`, `100.dat`, `100.atr` (any extension) as `100`
 * when `100.hea` exists and `100.hea.hea` (etc.) does not.
 */
export function recordPathOf(arg: string): string {
  if (existsSync(`${arg}.hea`)) return arg;
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
      .filter((f) => f.toLowerCase().endsWith(".hea"))
      .map((f) => f.slice(0, -4))
      .sort((x, y) => x.localeCompare(y, "en", { numeric: true }));
    if (names.length === 0) throw new UserError(`${a}: no records (.hea files) in this directory`, a);
    for (const n of names) all.push(path.join(a, n));
  }
  const seen = new Set<string>();
  return all.filter((r) => {
    const key = fileKey(`${r}.hea`);
    if (!seen.has(key)) return seen.add(key);
    onDuplicate?.(r);
    return false;
  });
}
