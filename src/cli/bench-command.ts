// The two `ecg bench` commands share their options and output: built here from the mode.
import { availableParallelism } from "node:os";
import { benchSideBySide } from "../bench/side-by-side.js";
import type { BenchMode, BenchOptions } from "../bench/throughput.js";
import { PRESET_NAMES, type PresetName } from "../models/config.js";
import { boolOpt, choiceOpt, numberOpt } from "./args.js";
import type { Command } from "./command.js";
import { printJson, println } from "./output.js";
import { ProgressBar } from "./progress.js";

export function benchCommand(mode: BenchMode): Command {
  const what =
    mode === "train"
      ? "training steps (forward, focal loss, backward, AdaBound)"
      : "inference (eval mode, BatchNorm folded, no autograd)";
  return {
    name: `bench ${mode}`,
    summary: `${mode === "train" ? "training" : "inference"} throughput in samples/s, optionally beside PyTorch`,
    usage: `bench ${mode} [--preset P] [--batch 128] [--steps N] [--threads T] [--rounds R] [--pytorch] [--json]`,
    options: {
      preset: { type: "string" },
      batch: { type: "string" },
      steps: { type: "string" },
      warmup: { type: "string" },
      threads: { type: "string" },
      rounds: { type: "string" },
      pytorch: { type: "boolean" },
      "no-fold": { type: "boolean" },
      "aten-only": { type: "boolean" },
      "unfused-optimizer": { type: "boolean" },
      device: { type: "string" },
      json: { type: "boolean" },
    },
    optionHelp: {
      preset: "compact (default), seed, seed-resnext",
      batch: "beats per step (default 128)",
      steps: "timed steps per round (default 20)",
      warmup: "untimed steps first (default 3)",
      threads: "CPU threads (default: all cores)",
      rounds: "timed rounds; the median is reported (default 5)",
      pytorch: "run tools/pytorch/bench.py alternately with ours and report the ratio",
      ...(mode === "infer" ? { "no-fold": "keep BatchNorm separate (to measure what folding buys)" } : {}),
      device: "cpu (default) or cuda",
      "aten-only": "ATen's kernels only, not the engine's own (to measure what those buy)",
      ...(mode === "train"
        ? {
            "unfused-optimizer":
              "the optimizer's TypeScript step, not its fused native one (to measure what fusing buys)",
          }
        : {}),
      json: "one JSON document on stdout",
    },
    examples: [`ecg bench ${mode} --preset compact --batch 128 --threads 2 --pytorch --json`],
    async run(args) {
      const opts: BenchOptions = {
        mode,
        preset: choiceOpt<PresetName>(args, "preset", PRESET_NAMES, "compact"),
        batch: numberOpt(args, "batch", 128, { integer: true, min: 1 }),
        steps: numberOpt(args, "steps", 20, { integer: true, min: 1 }),
        warmup: numberOpt(args, "warmup", 3, { integer: true, min: 0 }),
        threads: numberOpt(args, "threads", availableParallelism(), { integer: true, min: 1 }),
        fold: !boolOpt(args, "no-fold"),
        engineKernels: !boolOpt(args, "aten-only"),
        fusedOptimizer: !boolOpt(args, "unfused-optimizer"),
        device: choiceOpt(args, "device", ["cpu", "cuda"] as const, "cpu"),
      };
      const rounds = numberOpt(args, "rounds", 5, { integer: true, min: 1 });
      const bar = new ProgressBar({ label: `bench ${mode}`, total: rounds, unit: "rounds" });
      const r = benchSideBySide(opts, rounds, boolOpt(args, "pytorch"), (n) => bar.update(n));
      bar.finish();
      if (boolOpt(args, "json")) {
        printJson(r);
        return;
      }
      println(
        `${what}, preset ${opts.preset}, batch ${opts.batch}, ${opts.device === "cuda" ? "cuda" : `${opts.threads} threads`}, median of ${rounds} rounds × ${opts.steps} steps`,
      );
      println(
        `  ecg-beats  ${r.ours.samplesPerSec.toFixed(0).padStart(8)} samples/s  (${r.ours.msPerStep.toFixed(2)} ms/step)`,
      );
      if (r.pytorch && r.ratio !== undefined) {
        println(
          `  PyTorch    ${r.pytorch.samplesPerSec.toFixed(0).padStart(8)} samples/s  (${r.pytorch.msPerStep.toFixed(2)} ms/step)`,
        );
        println(`  ratio      ${r.ratio.toFixed(2)}× PyTorch's speed`);
      }
    },
  };
}
