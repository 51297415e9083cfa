// `ecg data info`: not implemented yet (placeholder so the dispatcher can list it).
import type { Command } from "../command.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "data info",
  summary: "class counts of a heartbeat CSV, a few beats drawn (coming soon)",
  usage: "data info [options]",
  options: {},
  examples: [],
  async run() {
    throw new UserError("`ecg data info` is not implemented yet");
  },
};
