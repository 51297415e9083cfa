// `ecg bench infer`: inference throughput of the real model, optionally side by side with PyTorch.
import { benchCommand } from "../bench-command.js";

export const command = benchCommand("infer");
