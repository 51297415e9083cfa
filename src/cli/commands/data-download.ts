// `ecg data download`: not implemented yet (placeholder so the dispatcher can list it).
import type { Command } from "../command.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "data download",
  summary: "fetch a PhysioNet database, SHA256-verified, resumable (coming soon)",
  usage: "data download [options]",
  options: {},
  examples: [],
  async run() {
    throw new UserError("`ecg data download` is not implemented yet");
  },
};
