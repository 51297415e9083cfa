// The project's one error family. Every error a user can cause (bad input, a missing file, a
// malformed checkpoint, a wrong option) is an EcgError: the CLI prints its message as one line (no
// stack unless --verbose) and exits with its exitCode. Anything else is a bug, shown as one.
import { readFileSync, writeSync } from "node:fs";
import { terminalSafe } from "./terminal-safe.js";

/** The root of the family: a message fit to show as is, and the exit code it maps to. */
export abstract class EcgError extends Error {
  abstract readonly exitCode: 1 | 2 | 130;
  /** The file (or record, or tensor name) that caused the error, when there is one. */
  readonly culprit: string | undefined;
  constructor(message: string, culprit?: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.culprit = culprit;
  }
}

/** Bad input from the user: a missing file, a malformed record, a wrong option value. Exit code 1. */
export class UserError extends EcgError {
  override name = "UserError";
  readonly exitCode = 1;
}

/** A malformed command line: unknown option, missing argument. Exit code 2. */
export class UsageError extends EcgError {
  override name = "UsageError";
  readonly exitCode = 2;
}

/** The user stopped the command (Ctrl-C) before it finished; what was saved is in the message. Exit code 130. */
export class InterruptedError extends EcgError {
  override name = "InterruptedError";
  readonly exitCode = 130;
  constructor(message = "interrupted") {
    super(message);
  }
}

/**
 * Set by the data-parallel launcher in its workers' environment (src/train/launch.ts): the file
 * descriptor a worker writes its error line to, for the launcher to fold into its own one line
 * rather than print a second.
 */
export const ERROR_FD_ENV = "ECG_ERROR_FD";

/** The one line a command ends with when it fails: "ecg: error: …", "ecg: usage error: …", "ecg: stopped: …". */
export function errorLine(message: string, exitCode: number): string {
  const prefix = exitCode === 2 ? "usage error: " : exitCode === 130 ? "stopped: " : "error: ";
  return `ecg: ${prefix}${message.split("\n")[0]}`;
}

/**
 * Writes the error line where it belongs: on stderr; in a launched worker, its message alone on the
 * launcher's descriptor (the exit code tells the launcher what kind it is). Says which it was.
 */
export function writeErrorLine(message: string, exitCode: number): "stderr" | "launcher" {
  const fd = Number(process.env[ERROR_FD_ENV] ?? Number.NaN);
  if (Number.isInteger(fd) && fd > 2) {
    try {
      writeSync(fd, `${terminalSafe(message.split("\n")[0]!)}\n`);
      return "launcher";
    } catch {
      // The launcher is gone: stderr is all there is.
    }
  }
  process.stderr.write(`${terminalSafe(errorLine(message, exitCode))}\n`);
  return "stderr";
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

/**
 * Whether an error is a failed allocation: libtorch's ("DefaultCPUAllocator: not enough memory",
 * std::bad_alloc, CUDA out of memory) as the addon passes it on, or V8's for a typed array.
 */
export function isOutOfMemory(e: unknown): boolean {
  const message = e instanceof Error ? e.message : String(e);
  return /not enough memory|bad_alloc|out of memory|allocation failed|Invalid typed array length|Array buffer allocation/i.test(
    message,
  );
}
