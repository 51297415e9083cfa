// `ecg bench train`: not implemented yet (placeholder so the dispatcher can list it).
import type { Command } from "../command.js";
import { UserError } from "../errors.js";

export const command: Command = {
  name: "bench train",
  summary: "training throughput (samples/s) (coming soon)",
  usage: "bench train [options]",
  options: {},
  examples: [],
  async run() {
    throw new UserError("`ecg bench train` is not implemented yet");
  },
};
