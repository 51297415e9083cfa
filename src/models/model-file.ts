// Model files given on the command line, and the model `ecg classify` and `ecg view` use when no --model is given: the inter-patient model
// (trained on de Chazal's DS1 records only, with rhythm features), the one meant for a patient the
// model has never seen — which is what a user's own recording is. The kaggle-split model has seen
// beats of every MIT-BIH patient it is scored on, so its figures say little about a new patient.
// The path is the package's own (models/ beside dist/), not the current directory's.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";

/** dist/src/models/model-file.js → <package>/models/interpatient.safetensors. */
export const DEFAULT_MODEL = fileURLToPath(
  new URL("../../../models/interpatient.safetensors", import.meta.url),
);

/** `file`, refused in one line when it does not exist. */
export function existingModelFile(file: string): string {
  if (!existsSync(file)) throw new UserError(`${displayPath(file)}: no such model file`, file);
  return file;
}

/** The model file to load: the one given, else DEFAULT_MODEL; a missing file is a one-line UserError. */
export function modelFileOrDefault(given: string | undefined): string {
  if (given !== undefined) return existingModelFile(given);
  const file = DEFAULT_MODEL;
  if (existsSync(file)) return file;
  throw new UserError(
    `${displayPath(file)}: the default model for new patients is not installed; give one with --model FILE (e.g. models/compact-interpatient.safetensors)`,
    file,
  );
}
