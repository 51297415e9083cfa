// Heartbeat sets: the Kaggle CSV format, its binary cache, and the train/test files of a dataset
// directory (one made by `ecg data build`, or one holding Kaggle's mitbih_train.csv / mitbih_test.csv).
import { existsSync } from "node:fs";
import path from "node:path";
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";
import { readBeatsCache, writeBeatsCache } from "./beats-cache.js";
import { type BeatSet, type LabelMode, readBeatsCsv } from "./beats-csv.js";

export {
  type BeatSet,
  type LabelMode,
  N_CLASSES,
  readBeatsCsv,
  UNLABELLED,
  writeBeatsCsv,
} from "./beats-csv.js";

export const CLASS_NAMES = ["N", "S", "V", "F", "Q"] as const;

/** The CSV of one side of a dataset directory. */
export function splitFile(dir: string, which: "train" | "test"): string {
  return path.join(dir, `mitbih_${which}.csv`);
}

/**
 * A labelled heartbeat CSV, through its binary cache when that is fresh; after parsing the CSV the
 * cache is (re)written beside it when the directory is writable.
 */
export function loadBeatsFile(
  csvFile: string,
  opts: { labels?: LabelMode; writeCache?: boolean } = {},
): BeatSet {
  const labels = opts.labels ?? "required";
  const cached = readBeatsCache(csvFile);
  if (cached && (labels !== "required" || cached.y.every((v) => v < 5))) return cached;
  const set = readBeatsCsv(csvFile, { labels });
  if (opts.writeCache ?? true) {
    try {
      writeBeatsCache(csvFile, set);
    } catch {
      // A read-only directory only costs the next load a parse.
    }
  }
  return set;
}

/** The split's file; a one-line error when neither it nor its binary cache is there. */
export function requireSplit(dir: string, which: "train" | "test"): string {
  const file = splitFile(dir, which);
  if (!existsSync(file) && !existsSync(file.replace(/\.csv$/, ".beats"))) {
    throw new UserError(
      `${displayPath(dir)}: no mitbih_${which}.csv (make one with \`ecg data build\`)`,
      file,
    );
  }
  return file;
}

export function loadSplit(dir: string, which: "train" | "test"): BeatSet {
  return loadBeatsFile(requireSplit(dir, which));
}

/** Beats per class 0..4. */
export function classCounts(y: Uint8Array): number[] {
  const counts = [0, 0, 0, 0, 0];
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (v < 5) counts[v]!++;
  }
  return counts;
}
