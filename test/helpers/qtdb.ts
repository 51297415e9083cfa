// Where the QT database is for tests: $QTDB_DIR, else ../shared/data/qtdb beside the repo (13
// records at 250 Hz whose leads are not MLII: ECG1, D3, V4, CM5, V1-V2). Tests that need it pass
// `{ skip: qtdbSkip }`.
import { existsSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./mitdb.js";

export const qtdbDir = process.env["QTDB_DIR"] ?? path.resolve(repoRoot, "..", "shared", "data", "qtdb");

export const qtdbSkip: string | false = existsSync(path.join(qtdbDir, "sel14046.hea"))
  ? false
  : `QT database not found at ${qtdbDir} (set QTDB_DIR)`;
