// `ecg compare`: not implemented yet (placeholder so the dispatcher can list it).
import type { Command } from "../command.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "compare",
  summary: "beat-by-beat AAMI comparison with the reference annotations (coming soon)",
  usage: "compare [options]",
  options: {},
  examples: [],
  async run() {
    throw new UserError("`ecg compare` is not implemented yet");
  },
};
