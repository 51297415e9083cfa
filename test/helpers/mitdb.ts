// Where the real MIT-BIH database is for tests: $MITDB_DIR, else ../shared/data/mitdb beside the repo.
// Tests that need it pass `{ skip: mitdbSkip }` so they skip cleanly, with a message, when it is absent.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (tests run from dist/test/…, sources live in test/…). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export const mitdbDir = process.env["MITDB_DIR"] ?? path.resolve(repoRoot, "..", "shared", "data", "mitdb");

export const mitdbSkip: string | false = existsSync(path.join(mitdbDir, "100.hea"))
  ? false
  : `MIT-BIH database not found at ${mitdbDir} (set MITDB_DIR)`;

export function recordPath(name: string): string {
  return path.join(mitdbDir, name);
}
