// `ecg detect`: not implemented yet (placeholder so the dispatcher can list it).
import type { Command } from "../command.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "detect",
  summary: "R-peak detection on one lead of a WFDB record (coming soon)",
  usage: "detect [options]",
  options: {},
  examples: [],
  async run() {
    throw new UserError("`ecg detect` is not implemented yet");
  },
};
