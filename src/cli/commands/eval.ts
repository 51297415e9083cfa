// `ecg eval`: not implemented yet (placeholder so the dispatcher can list it).
import type { Command } from "../command.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "eval",
  summary: "accuracy, macro-F1, per-class Se/Sp/+P/F1, confusion matrix (coming soon)",
  usage: "eval [options]",
  options: {},
  examples: [],
  async run() {
    throw new UserError("`ecg eval` is not implemented yet");
  },
};
