// What a training run learns from and selects on: the dataset's training side (never its test side),
// split into training and validation rows. Inter-patient data is split by record, whole patients held
// out; other data (the kaggle split, an external CSV) by a stratified random draw of beats.

import { rowTemplates } from "../dataset/beat-template.js";
import { type BeatSet, loadSplit, selectBeats, splitFile } from "../dataset/beats.js";
import { rhythmInput } from "../dataset/rhythm-input.js";
import { stratifiedSample, stratifiedSplit } from "../dataset/split.js";
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";
import { CLASS_NAMES } from "../vocabulary.js";
import type { TrainOptions } from "./options.js";
import { chooseValidationRecords, splitByRecord } from "./record-split.js";
import { dataOrigin } from "./run-config.js";

export interface TrainingData {
  set: BeatSet;
  train: Int32Array;
  val: Int32Array;
  /** How validation was split off: "records" (whole patients) or "stratified" (beats). */
  valSplit: "records" | "stratified";
  /** With a record split: the records on each side. */
  trainRecords?: string[];
  valRecords?: string[];
  /**
   * For a model on patient-relative beats: each row's record template (count × BEAT_LENGTH), each
   * record's from its own beats, so a held-out patient's template never mixes in training beats.
   */
  templates?: Float32Array;
}

/** The classes a record-wise validation set must hold beats of: the two the inter-patient task is judged on. */
export const VALIDATION_COVER = [CLASS_NAMES.indexOf("S"), CLASS_NAMES.indexOf("V")];

/** The beats training uses: all, or a stratified seeded sample of `limit` of them (--limit-beats). */
function limitBeats(set: BeatSet, limit: number, seed: number): BeatSet {
  return limit <= 0 || limit >= set.count ? set : selectBeats(set, stratifiedSample(set.y, limit, seed));
}

/**
 * Splits a loaded training side into training and validation rows as the options say (`splitKind`:
 * the dataset's split as its mitbih_dataset.json names it, e.g. "interpatient").
 */
export function splitTrainingSide(set: BeatSet, opts: TrainOptions, splitKind?: string): TrainingData {
  const byRecord =
    opts.valSplit === "records" ||
    (opts.valSplit === "auto" && splitKind === "interpatient") ||
    opts.valRecords !== undefined;
  if (!byRecord) {
    const { train, test } = stratifiedSplit(set.y, opts.valFraction, opts.seed);
    return { set, train, val: test, valSplit: "stratified" };
  }
  const data = displayPath(opts.dataDir);
  if (!set.records) {
    throw new UserError(
      `${data}: a validation split by record needs each beat's record (the index of \`ecg data build\`); this data has none`,
      opts.dataDir,
    );
  }
  const valRecords =
    opts.valRecords ??
    chooseValidationRecords(set.records, set.y, {
      fraction: opts.valFraction,
      cover: VALIDATION_COVER,
      seed: opts.seed,
    });
  let split: ReturnType<typeof splitByRecord>;
  try {
    split = splitByRecord(set.records, valRecords);
  } catch (e) {
    throw new UserError(`${data}: ${(e as Error).message}`, opts.dataDir);
  }
  if (split.val.length === 0)
    throw new UserError(`${data}: no record to hold out for validation`, opts.dataDir);
  return {
    set,
    train: split.train,
    val: split.val,
    valSplit: "records",
    trainRecords: split.trainRecords,
    valRecords: split.valRecords,
  };
}

/**
 * The training side of the dataset in opts.dataDir, split; refuses, before any training, data that
 * lacks what the model takes (rhythm features).
 */
export function loadTrainingData(opts: TrainOptions): TrainingData {
  const set = limitBeats(loadSplit(opts.dataDir, "train"), opts.limitBeats ?? 0, opts.seed);
  const file = splitFile(opts.dataDir, "train");
  rhythmInput(set, opts.model.rhythm ?? 0, `preset ${opts.preset}`, file);
  if (opts.adversary > 0 && !set.records) {
    throw new UserError(
      `${displayPath(file)}: --adversary learns each beat's patient, and these beats have no record (build the dataset with \`ecg data build\`)`,
      file,
    );
  }
  if (opts.model.relative && !set.records) {
    throw new UserError(
      `${displayPath(file)}: preset ${opts.preset} takes each beat minus its record's template, and these beats have no record (build the dataset with \`ecg data build\`)`,
      file,
    );
  }
  const data = splitTrainingSide(set, opts, dataOrigin(opts.dataDir).split);
  return opts.model.relative ? { ...data, templates: rowTemplates(set.x, set.count, set.records) } : data;
}
