// Where results go: --json prints one JSON document on stdout and nothing else there.

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

export { displayPath } from "../display-path.js";
