// Options shared by the commands that load a model: --model, --device, --threads.

import { COMPUTE_OPTIONS, computeHelp } from "../compute-options.js";
import type { CheckpointInfo } from "../models/checkpoint.js";
import { type BeatClassifier, loadClassifier } from "../models/classifier.js";
import { existingModelFile } from "../models/model-file.js";
import { computeOpts, requireString } from "./args.js";
import type { OptionSpec, ParsedArgs } from "./command.js";

export const MODEL_OPTIONS: OptionSpec = { model: { type: "string" }, ...COMPUTE_OPTIONS };

export const MODEL_OPTION_HELP: Record<string, string> = {
  model: "a .safetensors checkpoint (e.g. models/compact-kaggle.safetensors)",
  ...computeHelp(),
};

export function classifierFrom(args: ParsedArgs): BeatClassifier & { info: CheckpointInfo } {
  const file = existingModelFile(requireString(args, "model"));
  return loadClassifier(file, computeOpts(args));
}
