// Heartbeat sets: the Kaggle CSV format, its binary cache, and the train/test files of a dataset
// directory (one made by `ecg data build`, or one holding Kaggle's mitbih_train.csv / mitbih_test.csv).
import { existsSync } from "node:fs";
import path from "node:path";
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";
import { N_CLASSES } from "../vocabulary.js";
import { withIndex } from "./beat-index.js";
import { cachedBeats } from "./beats-cache.js";
import { type BeatSet, type LabelMode, readBeatsCsv } from "./beats-csv.js";
import { builtSideOf, type Side, splitFile } from "./dataset-dir.js";

export {
  type BeatSet,
  type LabelMode,
  readBeatsCsv,
  UNLABELLED,
  writeBeatsCsv,
} from "./beats-csv.js";
export { splitFile } from "./dataset-dir.js";

/**
 * A labelled heartbeat CSV, through its binary cache when that is valid (beats-cache.ts); after parsing
 * the CSV the cache is (re)written. A CSV of a directory made by `ecg data build` comes with the records
 * and rhythm features of its beats (from the directory's index).
 */
export function loadBeatsFile(csvFile: string, opts: { labels?: LabelMode } = {}): BeatSet {
  const labels = opts.labels ?? "required";
  const side = builtSideOf(csvFile);
  return cachedBeats(
    csvFile,
    () => {
      const set = readBeatsCsv(csvFile, { labels });
      return side === undefined ? set : withIndex(set, path.dirname(csvFile), side);
    },
    (cached) => labels !== "required" || cached.y.every((v) => v < N_CLASSES),
  );
}

/** One side of a dataset directory; with its records and rhythm features when `ecg data build` made it. */
export function loadSplit(dir: string, which: Side): BeatSet {
  const file = splitFile(dir, which);
  if (!existsSync(file) && !existsSync(file.replace(/\.csv$/, ".beats"))) {
    throw new UserError(
      `${displayPath(dir)}: no mitbih_${which}.csv (make one with \`ecg data build\`)`,
      file,
    );
  }
  return loadBeatsFile(file);
}
