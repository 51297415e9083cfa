// The files of a dataset directory: one made by `ecg data build` (the two Kaggle-format CSVs, the
// index of where each row came from, the summary, the binary caches), or one holding only Kaggle's
// mitbih_train.csv / mitbih_test.csv.
import { existsSync } from "node:fs";
import path from "node:path";

export type Side = "train" | "test";
export const SIDES: readonly Side[] = ["train", "test"];

/** One line per CSV row: where the beat came from, and its rhythm features (beat-index.ts). */
export const INDEX_FILE = "mitbih_index.csv";
/** The build's summary; its presence marks a directory `ecg data build` made (and so ours to cache in). */
export const META_FILE = "mitbih_dataset.json";

/** The CSV of one side of a dataset directory. */
export function splitFile(dir: string, which: Side): string {
  return path.join(dir, `mitbih_${which}.csv`);
}

/** The side `csvFile` is of a directory made by `ecg data build`; undefined for any other CSV. */
export function builtSideOf(csvFile: string): Side | undefined {
  const side = /^mitbih_(train|test)\.csv$/.exec(path.basename(csvFile))?.[1] as Side | undefined;
  if (side === undefined || !existsSync(path.join(path.dirname(csvFile), META_FILE))) return undefined;
  return side;
}
