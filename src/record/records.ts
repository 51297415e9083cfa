// Record arguments: a record path as WFDB writes it (data/mitdb/100), or a directory standing for
// every record in it (each NAME.hea).
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { UserError } from "../errors.js";

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Expands directories into their records (sorted by name); other paths are kept as given. */
export function expandRecords(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (!isDirectory(a)) {
      out.push(a.replace(/\.(hea|dat|atr)$/i, ""));
      continue;
    }
    const names = readdirSync(a)
      .filter((f) => f.toLowerCase().endsWith(".hea"))
      .map((f) => f.slice(0, -4))
      .sort((x, y) => x.localeCompare(y, "en", { numeric: true }));
    if (names.length === 0) throw new UserError(`${a}: no records (.hea files) in this directory`, a);
    for (const n of names) out.push(path.join(a, n));
  }
  return out;
}
