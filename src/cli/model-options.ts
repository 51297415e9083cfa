// Options shared by the commands that load a model: --model, --device, --threads.

import { availableParallelism } from "node:os";
import type { Device } from "../engine/index.js";
import type { CheckpointInfo } from "../models/checkpoint.js";
import { type BeatClassifier, loadClassifier } from "../models/classifier.js";
import { existingModelFile } from "../models/model-file.js";
import { choiceOpt, numberOpt, requireString } from "./args.js";
import type { OptionSpec, ParsedArgs } from "./command.js";

export const MODEL_OPTIONS: OptionSpec = {
  model: { type: "string" },
  device: { type: "string" },
  threads: { type: "string" },
};

export const MODEL_OPTION_HELP: Record<string, string> = {
  model: "a .safetensors checkpoint (e.g. models/compact-kaggle.safetensors)",
  device: "cpu (default) or cuda",
  threads: "CPU threads (default: all cores)",
};

export function classifierFrom(args: ParsedArgs): BeatClassifier & { info: CheckpointInfo } {
  const file = existingModelFile(requireString(args, "model"));
  const device = choiceOpt<Device>(args, "device", ["cpu", "cuda"], "cpu");
  const threads = numberOpt(args, "threads", availableParallelism(), { integer: true, min: 1 });
  return loadClassifier(file, { device, threads });
}
