// Typed errors: the CLI prints their message as one line (no stack unless --verbose).
import { readFileSync } from "node:fs";

/** Bad input from the user: a missing file, a malformed record, a wrong option value. Exit code 1. */
export class UserError extends Error {
  override name = "UserError";
  /** The file (or record, or tensor name) that caused the error, when there is one. */
  readonly culprit: string | undefined;
  constructor(message: string, culprit?: string) {
    super(message);
    this.culprit = culprit;
  }
}

/** A malformed command line: unknown option, missing argument. Exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Reads a whole file; a missing or unreadable file is a one-line UserError naming it
 * ("100.dat: cannot read signal file (no such file)").
 */
export function readFileOrFail(file: string, what: string, shown: string = file): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${shown}: cannot read ${what} (${code === "ENOENT" ? "no such file" : code})`, file);
  }
}
