// Heartbeat sets: the Kaggle CSV format, its binary cache, and the train/test files of a dataset
// directory (one made by `ecg data build`, or one holding Kaggle's mitbih_train.csv / mitbih_test.csv).
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import path from "node:path";
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";
import { BEAT_LENGTH, N_CLASSES } from "../vocabulary.js";
import { cachePathFor, readBeatsCache, writeBeatsCache } from "./beats-cache.js";
import { type BeatSet, type LabelMode, parseBeatsCsv, readBeatsCsv } from "./beats-csv.js";

export {
  type BeatSet,
  type LabelMode,
  readBeatsCsv,
  UNLABELLED,
  writeBeatsCsv,
} from "./beats-csv.js";

/** The beats of the given rows, copied, in that order. */
export function selectBeats(set: BeatSet, rows: ArrayLike<number>): BeatSet {
  const x = new Float32Array(rows.length * BEAT_LENGTH);
  const y = new Uint8Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    x.set(set.x.subarray(i * BEAT_LENGTH, (i + 1) * BEAT_LENGTH), r * BEAT_LENGTH);
    y[r] = set.y[i]!;
  }
  return { x, y, count: rows.length };
}

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
  if (cached && (labels !== "required" || cached.y.every((v) => v < N_CLASSES))) return cached;
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

/**
 * A cheap look at one side of a dataset directory before any long work: its file when present, after
 * checking that the first row parses (a missing or garbled file is known at once, not after training);
 * undefined when the side is absent. The rest of the file is checked when it is loaded.
 */
export function checkSplitFile(dir: string, which: "train" | "test"): string | undefined {
  const file = splitFile(dir, which);
  if (!existsSync(file)) return existsSync(cachePathFor(file)) ? file : undefined;
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

export function loadSplit(dir: string, which: "train" | "test"): BeatSet {
  const file = splitFile(dir, which);
  if (!existsSync(file) && !existsSync(cachePathFor(file))) {
    throw new UserError(
      `${displayPath(dir)}: no mitbih_${which}.csv (make one with \`ecg data build\`)`,
      file,
    );
  }
  return loadBeatsFile(file);
}
