// `ecg report`: not implemented yet (placeholder so the dispatcher can list it).
import type { Command } from "../command.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "report",
  summary: "one self-contained HTML page with plots for a run (coming soon)",
  usage: "report [options]",
  options: {},
  examples: [],
  async run() {
    throw new UserError("`ecg report` is not implemented yet");
  },
};
