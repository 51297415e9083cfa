// `ecg classify`: not implemented yet (placeholder so the dispatcher can list it).
import type { Command } from "../command.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "classify",
  summary: "every beat of a record, detected and labelled (coming soon)",
  usage: "classify [options]",
  options: {},
  examples: [],
  async run() {
    throw new UserError("`ecg classify` is not implemented yet");
  },
};
