// `ecg bench train`: training throughput of the real model, optionally side by side with PyTorch.
import { benchCommand } from "../bench-command.js";

export const command = benchCommand("train");
