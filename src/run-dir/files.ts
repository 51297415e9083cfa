// The set of files that make a run, as operations on a directory: does it hold a run, remove a run
// (only its files: anything else a user keeps there stays), clean the temporary files of dead writers.
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { removeStaleTemporaries } from "../atomic-file.js";
import { REPORT_FILE, RUN_FILE_NAMES, RUN_FILES } from "./schema.js";

/** The run files present in `dir` (none: it holds no run). */
export function runFilesIn(dir: string): string[] {
  return RUN_FILE_NAMES.filter((f) => existsSync(path.join(dir, f)));
}

/** Removes the files of a run, and the report page made from it at its default place. */
export function removeRunFiles(dir: string): string[] {
  const present = [...runFilesIn(dir), ...(existsSync(path.join(dir, REPORT_FILE)) ? [REPORT_FILE] : [])];
  for (const f of present) rmSync(path.join(dir, f), { force: true });
  return present;
}

/** Removes the test-side results, which belong to the checkpoint they scored (a new or resumed run replaces it). */
export function removeTestResults(dir: string): string[] {
  const present = [RUN_FILES.testEval, RUN_FILES.misclassified, REPORT_FILE].filter((f) =>
    existsSync(path.join(dir, f)),
  );
  for (const f of present) rmSync(path.join(dir, f), { force: true });
  return present;
}

/** Removes the temporary run files (`.NAME.tmp-PID`) that killed processes left behind. */
export function removeStaleRunTemporaries(dir: string): string[] {
  return removeStaleTemporaries(dir, [...RUN_FILE_NAMES, REPORT_FILE]);
}
