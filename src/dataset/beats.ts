// Heartbeat sets: the Kaggle CSV format, its binary cache, and the train/test files of a dataset
// directory (one made by `ecg data build`, or one holding Kaggle's mitbih_train.csv / mitbih_test.csv).
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import path from "node:path";
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";
import { BEAT_LENGTH, N_CLASSES, RHYTHM_FEATURE_COUNT } from "../vocabulary.js";
import { withIndex } from "./beat-index.js";
import { cachedBeats } from "./beats-cache.js";
import { type BeatSet, type LabelMode, parseBeatsCsv, readBeatsCsv } from "./beats-csv.js";
import { builtSideOf, type Side, splitFile } from "./dataset-dir.js";
import { gatherRows } from "./gather-rows.js";

export {
  type BeatSet,
  type LabelMode,
  readBeatsCsv,
  UNLABELLED,
  writeBeatsCsv,
} from "./beats-csv.js";

/** The beats of the given rows, copied, in that order (with their records and rhythm features, when the set has them). */
export function selectBeats(set: BeatSet, rows: ArrayLike<number>): BeatSet {
  const x = gatherRows(set.x, rows, BEAT_LENGTH);
  const y = Uint8Array.from(rows, (i) => set.y[i]!);
  const rhythm = set.rhythm && gatherRows(set.rhythm, rows, RHYTHM_FEATURE_COUNT);
  const records = set.records && Array.from(rows, (i) => set.records![i]!);
  return { x, y, count: rows.length, ...(rhythm ? { rhythm } : {}), ...(records ? { records } : {}) };
}

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

/**
 * A cheap look at one side of a dataset directory before any long work: its file when present, after
 * checking that the first row parses (a missing or garbled file is known at once, not after training);
 * undefined when the side is absent. The rest of the file is checked when it is loaded.
 */
export function checkSplitFile(dir: string, which: Side): string | undefined {
  const file = splitFile(dir, which);
  if (!existsSync(file)) return undefined;
  const shown = displayPath(file);
  const head = Buffer.alloc(64 * 1024);
  let fd: number | undefined;
  let n: number;
  try {
    fd = openSync(file, "r");
    n = readSync(fd, head, 0, head.length, 0);
  } catch (e) {
    throw new UserError(`${shown}: cannot read beats CSV (${(e as NodeJS.ErrnoException).code})`, file);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (n === 0) throw new UserError(`${shown}: holds no beats`, file);
  // A small file is parsed whole; of a larger one, the first line.
  const whole = n < head.length;
  const end = whole ? n - 1 : head.indexOf(10);
  if (end < 0) throw new UserError(`${shown}: line 1 is longer than 64 KiB: not a beats CSV`, file);
  const parsed = parseBeatsCsv(head.subarray(0, end + 1), file, "required");
  if (whole && parsed.count === 0) throw new UserError(`${shown}: holds no beats`, file);
  return file;
}

/** The file of one side of a dataset directory; a one-line error when it is not there. */
export function requireSplit(dir: string, which: Side): string {
  const file = splitFile(dir, which);
  if (!existsSync(file)) {
    throw new UserError(
      `${displayPath(dir)}: no mitbih_${which}.csv (make one with \`ecg data build\`)`,
      file,
    );
  }
  return file;
}

/** One side of a dataset directory; with its records and rhythm features when `ecg data build` made it. */
export function loadSplit(dir: string, which: Side): BeatSet {
  return loadBeatsFile(requireSplit(dir, which));
}
