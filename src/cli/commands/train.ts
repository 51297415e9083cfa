// `ecg train`: not implemented yet (placeholder so the dispatcher can list it).
import type { Command } from "../command.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "train",
  summary: "train a model; writes a run directory (coming soon)",
  usage: "train [options]",
  options: {},
  examples: [],
  async run() {
    throw new UserError("`ecg train` is not implemented yet");
  },
};
