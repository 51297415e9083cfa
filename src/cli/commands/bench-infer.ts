// `ecg bench infer`: not implemented yet (placeholder so the dispatcher can list it).
import type { Command } from "../command.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "bench infer",
  summary: "inference throughput (samples/s) (coming soon)",
  usage: "bench infer [options]",
  options: {},
  examples: [],
  async run() {
    throw new UserError("`ecg bench infer` is not implemented yet");
  },
};
