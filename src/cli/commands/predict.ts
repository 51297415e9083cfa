// `ecg predict`: not implemented yet (placeholder so the dispatcher can list it).
import type { Command } from "../command.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "predict",
  summary: "class probabilities for every beat of a CSV (coming soon)",
  usage: "predict [options]",
  options: {},
  examples: [],
  async run() {
    throw new UserError("`ecg predict` is not implemented yet");
  },
};
