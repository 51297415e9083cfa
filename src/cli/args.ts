// Typed accessors over parsed options: each failure is a UsageError naming the option.

import { expandRecords } from "../record/records.js";
import type { ParsedArgs } from "./command.js";
import { UsageError } from "./errors.js";

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
  opts: { integer?: boolean; min?: number; max?: number } = {},
): number {
  const raw = stringOpt(args, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || raw.trim() === "")
    throw new UsageError(`--${name} must be a number, got '${raw}'`);
  if (opts.integer && !Number.isInteger(v))
    throw new UsageError(`--${name} must be a whole number, got '${raw}'`);
  if (opts.min !== undefined && v < opts.min)
    throw new UsageError(`--${name} must be at least ${opts.min}, got ${raw}`);
  if (opts.max !== undefined && v > opts.max)
    throw new UsageError(`--${name} must be at most ${opts.max}, got ${raw}`);
  return v;
}

export function choiceOpt<T extends string>(
  args: ParsedArgs,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = stringOpt(args, name);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got '${raw}'`);
  }
  return raw as T;
}

/** The records named by a repeatable --record: paths as WFDB writes them, directories expanded. */
export function recordsOpt(args: ParsedArgs, name = "record"): string[] {
  const raw = args.values[name];
  const given = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(
    (v): v is string => typeof v === "string",
  );
  if (given.length === 0) throw new UsageError(`--${name} is required`);
  return expandRecords(given);
}
