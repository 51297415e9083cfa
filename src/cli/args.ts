// Typed accessors over parsed options: each failure is a UsageError naming the option.

import { computeValues } from "../compute-options.js";
import { UsageError } from "../errors.js";
import { choiceValue, type NumberBounds, numberValue } from "../option-value.js";
import { expandRecords, recordPathOf } from "../record/records.js";
import type { AnnotationPolicy } from "../wfdb/annotation.js";
import { HEADER_LIMITS } from "../wfdb/header.js";
import type { ParsedArgs } from "./command.js";
import { info } from "./output.js";

export function stringOpt(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new UsageError(`--${name} takes a value`);
  return v;
}

export function requireString(args: ParsedArgs, name: string): string {
  const v = stringOpt(args, name);
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return v;
}

export function boolOpt(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

export function numberOpt(
  args: ParsedArgs,
  name: string,
  fallback: number,
  bounds: NumberBounds = {},
): number {
  const raw = stringOpt(args, name);
  return raw === undefined ? fallback : numberValue(name, raw, bounds);
}

export function choiceOpt<T extends string>(
  args: ParsedArgs,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = stringOpt(args, name);
  return raw === undefined ? fallback : choiceValue(name, raw, choices);
}

/** --device and --threads (src/compute-options.ts). */
export function computeOpts(args: ParsedArgs): ReturnType<typeof computeValues> {
  return computeValues({ device: stringOpt(args, "device"), threads: stringOpt(args, "threads") });
}

/** The --lenient-annotations option, for commands that read annotation files. */
export const LENIENT_OPTION = { "lenient-annotations": { type: "boolean" } } as const;
export const LENIENT_HELP = {
  "lenient-annotations":
    "read damaged annotation files (no end marker, times going back, beats past the signal) with a warning, mended",
};

/** What to do with damaged annotation files: refuse, or (--lenient-annotations) mend with a warning. */
export function annotationPolicy(args: ParsedArgs): AnnotationPolicy {
  return { lenient: boolOpt(args, "lenient-annotations"), onWarning: (m) => info(`warning: ${m}`) };
}

/** What --help says of a repeatable --record. */
export const RECORDS_HELP =
  "record: a WFDB record (data/mitdb/100, or 100.hea / 100.dat), an EDF/EDF+ file (x.edf) or a text file " +
  "(x.csv, x.tsv, x.txt); repeat it, or give a directory for all its WFDB and EDF records; a record named twice is taken once";

/** What --help says of --lead. */
export const LEAD_HELP =
  "the signal to use, by name (case-insensitive) or 0-based index (default: MLII, else lead II (II, ML2, " +
  "'ECG II'…), else V5/CM5, else the first ECG signal)";

/** --fs, for text records: the samples' rate when no time column gives it. */
export const FS_OPTION = { fs: { type: "string" } } as const;
export const FS_HELP = {
  fs: "samples per second of a text record (x.csv, x.txt) without a time column",
};

/** The --fs option's value (Hz), when given. */
export function fsOpt(args: ParsedArgs): number | undefined {
  if (args.values["fs"] === undefined) return undefined;
  return numberOpt(args, "fs", 0, { min: 1e-3, max: HEADER_LIMITS.maxFrequency });
}

/**
 * The records named by a repeatable --record: paths as WFDB writes them (an extension such as .hea
 * dropped), directories expanded, each record once (a note on stderr for each repeat dropped).
 */
export function recordsOpt(args: ParsedArgs, name = "record"): string[] {
  const raw = args.values[name];
  const given = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(
    (v): v is string => typeof v === "string",
  );
  if (given.length === 0) throw new UsageError(`--${name} is required`);
  return expandRecords(given, (r) => info(`note: record ${r} is named more than once; it is taken once`));
}

/** One record (--record): 100, 100.hea or 100.dat all name data/mitdb/100; x.edf and x.csv name themselves. */
export function recordOpt(args: ParsedArgs, name = "record"): string {
  return recordPathOf(requireString(args, name));
}
