// `ecg view`: not implemented yet (placeholder so the dispatcher can list it).
import type { Command } from "../command.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "view",
  summary: "the record viewer (HTML) (coming soon)",
  usage: "view [options]",
  options: {},
  examples: [],
  async run() {
    throw new UserError("`ecg view` is not implemented yet");
  },
};
