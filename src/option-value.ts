// The value of one command-line option, from its text: a number within bounds, one of a list of names.
// Every failure is a UsageError naming the option (--NAME). The CLI's accessors (src/cli/args.ts) and
// the table of training settings (src/train/settings.ts) both read values through these.
import { UsageError } from "./errors.js";

/** What a number option accepts. */
export interface NumberBounds {
  integer?: boolean;
  min?: number;
  max?: number;
}

export function numberValue(name: string, raw: string, bounds: NumberBounds = {}): number {
  const v = Number(raw);
  if (!Number.isFinite(v) || raw.trim() === "")
    throw new UsageError(`--${name} must be a number, got '${raw}'`);
  if (bounds.integer && !Number.isInteger(v))
    throw new UsageError(`--${name} must be a whole number, got '${raw}'`);
  if (bounds.min !== undefined && v < bounds.min)
    throw new UsageError(`--${name} must be at least ${bounds.min}, got ${raw}`);
  if (bounds.max !== undefined && v > bounds.max)
    throw new UsageError(`--${name} must be at most ${bounds.max}, got ${raw}`);
  return v;
}

export function choiceValue<T extends string>(name: string, raw: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw))
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got '${raw}'`);
  return raw as T;
}
