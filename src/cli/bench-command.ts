// The two `ecg bench` commands share their options and output: built here from the mode.
import {
  benchDataParallelSideBySide,
  benchSideBySide,
  type DataParallelSideBySide,
} from "../bench/side-by-side.js";
import { type BenchMode, type BenchOptions, prepareBench } from "../bench/throughput.js";
import { COMPUTE_OPTIONS, computeHelp, threadsValue } from "../compute-options.js";
import { backendFor, initProcessGroup, worldFromEnv } from "../engine/distributed.js";
import { UserError } from "../errors.js";
import { PRESET_NAMES, type PresetName } from "../models/config.js";
import { checkJob, isLaunch } from "../train/launch.js";
import { boolOpt, choiceOpt, computeOpts, numberOpt, stringOpt } from "./args.js";
import type { Command, ParsedArgs } from "./command.js";
import {
  checkOutcome,
  LAUNCH_HELP,
  LAUNCH_OPTIONS,
  type LaunchArgs,
  launchArgsFrom,
  launchSelf,
} from "./launch.js";
import { printJson, println } from "./output.js";
import { ProgressBar } from "./progress.js";

/** One timed run of this rank of a data-parallel benchmark; rank 0 prints {"msPerStep"} on stdout. */
function benchWorker(opts: BenchOptions, timeoutSeconds: number): void {
  const world = worldFromEnv()!;
  const { group } = initProcessGroup(world, { backend: backendFor(opts.device ?? "cpu"), timeoutSeconds });
  try {
    const bench = prepareBench(
      opts.device === "cuda" ? { ...opts, device: `cuda:${world.localRank}` } : opts,
      group,
    );
    const msPerStep = bench.run();
    bench.dispose();
    if (group.rank === 0) println(JSON.stringify({ msPerStep }));
  } finally {
    group.shutdown();
  }
}

/** Our workers for one round: a new set of processes, as PyTorch's side starts each round. */
async function oursOnce(
  args: ParsedArgs,
  options: Command["options"],
  launch: LaunchArgs,
  threads: number,
): Promise<number> {
  const outcome = await launchSelf(
    ["bench", "train"],
    args,
    options,
    launch,
    { threads: String(threads) },
    {
      captureStdout: true,
    },
  );
  checkOutcome(outcome, "");
  if (outcome.interrupted) throw new UserError("interrupted");
  return (JSON.parse(outcome.stdout) as { msPerStep: number }).msPerStep;
}

function printDataParallel(r: DataParallelSideBySide, what: string, rounds: number, steps: number): void {
  println(
    `${what}, preset ${r.ours.preset}, global batch ${r.ours.batch}, median of ${rounds} rounds × ${steps} steps`,
  );
  const row = (name: string, x: { samplesPerSec: number; msPerStep: number }) =>
    println(
      `  ${name.padEnd(44)} ${x.samplesPerSec.toFixed(0).padStart(8)} samples/s  (${x.msPerStep.toFixed(2)} ms/step)`,
    );
  const per = `${r.nproc} processes × ${r.threads} thread${r.threads > 1 ? "s" : ""}`;
  const one = `1 process × ${r.nproc * r.threads} threads`;
  row(`ecg-beats, ${per}`, r.ours);
  row(`ecg-beats, ${one}`, r.oursOneProcess);
  if (r.pytorchDdp) row(`PyTorch DDP (Gloo), ${per}`, r.pytorchDdp);
  if (r.pytorchOneProcess) row(`PyTorch, ${one}`, r.pytorchOneProcess);
  if (r.ratioVsPytorchDdp !== undefined && r.ratioVsPytorchOneProcess !== undefined) {
    println(`  ratio      ${r.ratioVsPytorchDdp.toFixed(2)}× PyTorch DDP's speed (${per})`);
    println(`  ratio      ${r.ratioVsPytorchOneProcess.toFixed(2)}× PyTorch's speed in ${one}`);
  }
}

export function benchCommand(mode: BenchMode): Command {
  const what =
    mode === "train"
      ? "training steps (forward, focal loss, backward, AdaBound)"
      : "inference (eval mode, BatchNorm folded, no autograd)";
  const cmd: Command = {
    name: `bench ${mode}`,
    summary: `${mode === "train" ? "training" : "inference"} throughput in samples/s, optionally beside PyTorch`,
    usage: `bench ${mode} [--preset P] [--batch 128] [--steps N] [--threads T] [--rounds R] [--pytorch] [--json]`,
    options: {
      preset: { type: "string" },
      batch: { type: "string" },
      steps: { type: "string" },
      warmup: { type: "string" },
      rounds: { type: "string" },
      pytorch: { type: "boolean" },
      "no-fold": { type: "boolean" },
      "aten-only": { type: "boolean" },
      "unfused-optimizer": { type: "boolean" },
      ...COMPUTE_OPTIONS,
      json: { type: "boolean" },
      ...(mode === "train"
        ? { nproc: LAUNCH_OPTIONS["nproc"]!, "dist-timeout": LAUNCH_OPTIONS["dist-timeout"]! }
        : {}),
    },
    optionHelp: {
      preset: "compact (default), seed, seed-resnext",
      batch: "beats per step (default 128)",
      steps: "timed steps per round (default 20)",
      warmup: "untimed steps first (default 3)",
      ...computeHelp(mode === "train"),
      rounds: "timed rounds; the median is reported (default 5)",
      pytorch: "run tools/pytorch/bench.py alternately with ours and report the ratio",
      ...(mode === "infer" ? { "no-fold": "keep BatchNorm separate (to measure what folding buys)" } : {}),
      "aten-only": "ATen's kernels only, not the engine's own (to measure what those buy)",
      ...(mode === "train"
        ? {
            "unfused-optimizer":
              "the optimizer's TypeScript step, not its fused native one (to measure what fusing buys)",
          }
        : {}),
      json: "one JSON document on stdout",
      ...(mode === "train"
        ? {
            nproc:
              "data-parallel processes (global --batch shared out), beside PyTorch's DDP and one process of each with nproc × threads threads",
            batch: "beats per step; with --nproc, the global batch (default 128)",
            "dist-timeout": LAUNCH_HELP["dist-timeout"]!,
          }
        : {}),
    },
    examples: [
      `ecg bench ${mode} --preset compact --batch 128 --threads 2 --pytorch --json`,
      ...(mode === "train"
        ? ["ecg bench train --preset compact --batch 128 --nproc 2 --threads 1 --rounds 7 --pytorch"]
        : []),
    ],
    async run(args) {
      const opts: BenchOptions = {
        mode,
        preset: choiceOpt<PresetName>(args, "preset", PRESET_NAMES, "compact"),
        batch: numberOpt(args, "batch", 128, { integer: true, min: 1 }),
        steps: numberOpt(args, "steps", 20, { integer: true, min: 1 }),
        warmup: numberOpt(args, "warmup", 3, { integer: true, min: 0 }),
        ...computeOpts(args),
        fold: !boolOpt(args, "no-fold"),
        engineKernels: !boolOpt(args, "aten-only"),
        fusedOptimizer: !boolOpt(args, "unfused-optimizer"),
      };
      const rounds = numberOpt(args, "rounds", 5, { integer: true, min: 1 });
      if (mode === "train") {
        const launch = launchArgsFrom(args);
        const world = worldFromEnv();
        if (world && world.worldSize > 1) {
          benchWorker(opts, launch.timeoutSeconds);
          return;
        }
        if (isLaunch(launch, opts.batch)) {
          checkJob(opts.device ?? "cpu", launch);
          const threads = threadsValue(stringOpt(args, "threads"), launch.nprocPerNode);
          const perProcess = { ...opts, threads };
          const bar = new ProgressBar({ label: `bench ${mode}`, total: rounds, unit: "rounds" });
          const r = await benchDataParallelSideBySide(
            perProcess,
            launch.nprocPerNode,
            rounds,
            boolOpt(args, "pytorch"),
            () => oursOnce(args, cmd.options, launch, threads),
            (n) => bar.update(n),
          );
          bar.finish();
          if (boolOpt(args, "json")) printJson(r);
          else printDataParallel(r, what, rounds, opts.steps);
          return;
        }
      }
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
  return cmd;
}
