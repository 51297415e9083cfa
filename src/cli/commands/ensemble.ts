// `ecg ensemble`: one model file from several checkpoints of one config, trained apart; the model
// averages their softmax probabilities (src/models/ensemble.ts).
import { existsSync } from "node:fs";
import { UsageError, UserError } from "../../errors.js";
import { CONFIG_LIMITS } from "../../models/config.js";
import { memberConfig } from "../../models/ensemble.js";
import { joinEnsemble, MIN_MEMBERS } from "../../models/ensemble-file.js";
import { existingModelFile } from "../../models/model-file.js";
import { guardOutputs } from "../../output-guard.js";
import { boolOpt, requireString } from "../args.js";
import type { Command } from "../command.js";
import { displayPath, info } from "../output.js";

export const command: Command = {
  name: "ensemble",
  summary: "join checkpoints of one config, trained apart, into one model that averages them",
  usage: `ensemble --out FILE MODEL MODEL [MODEL ...] [--overwrite]\n  MODEL: ${MIN_MEMBERS} to ${CONFIG_LIMITS.members} .safetensors checkpoints of one config and class list (e.g. runs' best.safetensors)`,
  options: { out: { type: "string" }, overwrite: { type: "boolean" } },
  allowPositionals: true,
  optionHelp: {
    out: "the ensemble's .safetensors file (never one of the members)",
    overwrite: "replace an existing --out file",
  },
  examples: [
    "ecg ensemble --out models/mine.safetensors runs/ip-adv0.1-s1/best.safetensors runs/ip-adv0.1-s2/best.safetensors runs/ip-adv0.5-s1/best.safetensors",
  ],
  async run(args) {
    const out = requireString(args, "out");
    const members = args.positionals;
    if (members.length < MIN_MEMBERS || members.length > CONFIG_LIMITS.members)
      throw new UsageError(
        `give ${MIN_MEMBERS} to ${CONFIG_LIMITS.members} member checkpoints, got ${members.length}`,
      );
    for (const m of members) existingModelFile(m);
    guardOutputs(
      [{ file: out }],
      members.map((file, k) => ({ file, what: `member ${k + 1}` })),
    );
    if (existsSync(out) && !boolOpt(args, "overwrite"))
      throw new UserError(`${displayPath(out)}: exists; give --overwrite to replace it`, out);
    const { config } = joinEnsemble(members, out);
    info(`${members.length} members (${JSON.stringify(memberConfig(config))}) → ${displayPath(out)}`);
  },
};
