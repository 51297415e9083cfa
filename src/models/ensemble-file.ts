// Joining single-network checkpoints into one ensemble checkpoint (src/models/ensemble.ts): each
// member's tensors under `members.K.`, the members' shared config with `members: K`, and each member's
// provenance kept. Every member is checked as loading it would check it (layout, dtypes, finite
// values) before anything is written, and they must be one config and one class list.
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";
import { readSafetensors, type SafeTensor, writeSafetensors } from "../nn/safetensors.js";
import { CHECKPOINT_FORMAT, checkCheckpointTensors, readCheckpointInfo } from "./checkpoint.js";
import { CONFIG_LIMITS, type ModelConfig } from "./config.js";
import { memberTensorName } from "./ensemble.js";

/** Fewest members an ensemble is joined from (one network is its own checkpoint). */
export const MIN_MEMBERS = 2;

export interface JoinedEnsemble {
  config: ModelConfig;
  classes: string[];
}

/** Writes `out`, the ensemble of the checkpoints `members` (in that order); refuses in one line. */
export function joinEnsemble(members: readonly string[], out: string): JoinedEnsemble {
  if (members.length < MIN_MEMBERS || members.length > CONFIG_LIMITS.members)
    throw new RangeError(
      `an ensemble has ${MIN_MEMBERS} to ${CONFIG_LIMITS.members} members, got ${members.length}`,
    );
  const tensors = new Map<string, SafeTensor>();
  const provenance: unknown[] = [];
  let first: { file: string; config: ModelConfig; classes: string[] } | undefined;
  members.forEach((file, k) => {
    const contents = readSafetensors(file);
    const info = readCheckpointInfo(file, contents);
    if (info.config.members !== undefined)
      throw new UserError(
        `${displayPath(file)}: already an ensemble (${info.config.members} members); join single networks`,
        file,
      );
    checkCheckpointTensors(file, info.config, contents.tensors);
    if (first === undefined) first = { file, config: info.config, classes: info.classes };
    else {
      if (JSON.stringify(info.config) !== JSON.stringify(first.config))
        throw new UserError(
          `${displayPath(file)}: its config ${JSON.stringify(info.config)} is not ${displayPath(first.file)}'s ${JSON.stringify(first.config)}`,
          file,
        );
      if (info.classes.join(",") !== first.classes.join(","))
        throw new UserError(
          `${displayPath(file)}: classes ${info.classes.join(",")}, not ${displayPath(first.file)}'s ${first.classes.join(",")}`,
          file,
        );
    }
    for (const [name, t] of contents.tensors)
      if (!name.startsWith("__")) tensors.set(memberTensorName(k, name), t);
    provenance.push({ file: displayPath(file), ...(info.provenance ?? {}) });
  });
  const config: ModelConfig = { ...first!.config, members: members.length };
  writeSafetensors(out, tensors, {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(config),
    classes: first!.classes.join(","),
    provenance: JSON.stringify({ ensemble: provenance }),
  });
  return { config, classes: first!.classes };
}
