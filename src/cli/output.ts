// Where results go: --json prints one JSON document on stdout and nothing else there; notes and
// errors go to stderr. Every line the `ecg` command prints passes through write() below, the one
// place where text taken from a user's files (a header's record and lead names, an annotation's aux
// string, a checkpoint's class names, a CSV cell or stdin bytes in an error message) is made safe for
// a terminal: its control characters are written as \u escapes (terminal-safe.ts), so a hostile
// file can neither clear, retitle nor rewrite the screen.

import { terminalSafe } from "../terminal-safe.js";

export { terminalSafe };

/** The one writer to the terminal (and to whatever stdout or stderr is redirected to). */
export function write(stream: "stdout" | "stderr", text: string): void {
  process[stream].write(terminalSafe(text));
}

export function printJson(value: unknown): void {
  write("stdout", `${JSON.stringify(value, null, 2)}\n`);
}

export function println(line = ""): void {
  write("stdout", `${line}\n`);
}

/** A block of text (CSV lines) on stdout, as it is. */
export function printText(text: string): void {
  write("stdout", text);
}

/** Notes for the user that are not results: stderr, so stdout stays clean for --json. */
export function info(line: string): void {
  write("stderr", `${line}\n`);
}

export { displayPath } from "../display-path.js";
