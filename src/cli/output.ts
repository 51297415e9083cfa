// Where results go: --json prints one JSON document on stdout and nothing else there.
import path from "node:path";

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function println(line = ""): void {
  process.stdout.write(`${line}\n`);
}

/** Notes for the user that are not results: stderr, so stdout stays clean for --json. */
export function info(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Paths are printed relative to the current directory. */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === "" ? "." : rel;
}
