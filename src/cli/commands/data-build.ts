// `ecg data build`: not implemented yet (placeholder so the dispatcher can list it).
import type { Command } from "../command.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "data build",
  summary: "records to mitbih_train.csv, mitbih_test.csv (Kaggle format) + index + cache (coming soon)",
  usage: "data build [options]",
  options: {},
  examples: [],
  async run() {
    throw new UserError("`ecg data build` is not implemented yet");
  },
};
