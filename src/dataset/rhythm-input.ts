// What a model that takes rhythm features is given beside the beats, and the refusals when it cannot
// be: one place for every command that feeds a model (eval, predict, train, classify, view).
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";
import { RHYTHM_FEATURE_COUNT } from "../vocabulary.js";
import { relativeBeats } from "./beat-template.js";
import type { BeatSet } from "./beats-csv.js";

/**
 * Refuses a model that takes rhythm features, but not this build's RHYTHM_FEATURE_COUNT of them
 * (`takes`: the model's BeatClassifier.rhythmFeatures, 0 for a morphology-only model).
 */
export function checkRhythmFeatureCount(takes: number, modelFile: string): void {
  if (takes !== 0 && takes !== RHYTHM_FEATURE_COUNT) {
    throw new UserError(
      `${displayPath(modelFile)}: the model takes ${takes} rhythm features per beat, this version computes ${RHYTHM_FEATURE_COUNT}`,
      modelFile,
    );
  }
}

/**
 * The rhythm features of `set` for a model that takes `takes` per beat: undefined for a
 * morphology-only model; a one-line refusal when the set has none (a Kaggle CSV from elsewhere has no
 * beat positions to compute them from).
 */
export function rhythmInput(
  set: BeatSet,
  takes: number,
  modelFile: string,
  dataFile: string,
): Float32Array | undefined {
  checkRhythmFeatureCount(takes, modelFile);
  if (takes === 0) return undefined;
  if (set.rhythm === undefined) {
    throw new UserError(
      `${displayPath(dataFile)}: no rhythm features beside these beats, and ${displayPath(modelFile)} needs them: build the dataset with \`ecg data build\` and use its directory (or its mitbih_*.csv)`,
      dataFile,
    );
  }
  return set.rhythm;
}

/**
 * The beats as `set` holds them for a model on cut beats; each minus its record's template for a model
 * on patient-relative beats (`relative`: BeatClassifier.relative), refused when the set does not say
 * which record each beat is from (a Kaggle CSV from elsewhere).
 */
export function beatsInput(
  set: BeatSet,
  relative: boolean,
  modelFile: string,
  dataFile: string,
): Float32Array {
  if (!relative) return set.x;
  if (set.records === undefined) {
    throw new UserError(
      `${displayPath(dataFile)}: no record beside these beats, and ${displayPath(modelFile)} takes each beat minus its record's template: build the dataset with \`ecg data build\` and use its directory (or its mitbih_*.csv)`,
      dataFile,
    );
  }
  return relativeBeats(set.x, set.count, set.records);
}

/** What a model is fed for `set`: its beats (as cut or patient-relative) and its rhythm features, if any. */
export interface ModelInput {
  beats: Float32Array;
  rhythm?: Float32Array;
}

/**
 * beatsInput and rhythmInput together, for a model that says what it takes (`model`: a
 * BeatClassifier's rhythmFeatures and relative): the one call eval, predict and a run's test use.
 */
export function modelInput(
  set: BeatSet,
  model: { rhythmFeatures: number; relative: boolean },
  modelFile: string,
  dataFile: string,
): ModelInput {
  const rhythm = rhythmInput(set, model.rhythmFeatures, modelFile, dataFile);
  const beats = beatsInput(set, model.relative, modelFile, dataFile);
  return rhythm ? { beats, rhythm } : { beats };
}
