// The resumable last checkpoint: model + optimizer state + loop state in ONE atomically written file,
// so an interrupt at any moment leaves a consistent one behind. Per epoch the run commits, in order:
// the metrics line (fsynced), the last checkpoint (the commit point of the epoch), then the best one.
// A kill between the last two leaves best.safetensors one epoch behind when that epoch was the best;
// the last checkpoint then holds exactly the best weights, and resuming writes them back.

import { existsSync } from "node:fs";
import path from "node:path";
import type { Tensor } from "../engine/index.js";
import { tidy } from "../engine/index.js";
import {
  loadSingleCheckpoint,
  safeFromTensor,
  saveCheckpoint,
  tensorFromSafe,
} from "../models/checkpoint.js";
import type { SeedNet } from "../models/seed-net.js";
import type { Module } from "../nn/module.js";
import type { Optimizer } from "../nn/optim/index.js";
import { readSafetensorsHeader, type SafeTensor } from "../nn/safetensors.js";
import { RunDirError } from "../run-dir/errors.js";
import { parseWith } from "../run-dir/read.js";
import {
  type CheckpointProvenance,
  CheckpointProvenanceSchema,
  type LoopState,
  RUN_FILES,
} from "../run-dir/schema.js";

const OPTIM_PREFIX = "__optim__.";

export function saveLastCheckpoint(
  dir: string,
  model: SeedNet,
  optimizer: Optimizer,
  loop: LoopState,
  provenance: CheckpointProvenance,
  /** Training-only modules kept for --resume but not part of the model, by the prefix of their tensors. */
  trainingOnly: Record<string, Module> = {},
): void {
  const extras = new Map<string, SafeTensor>();
  for (const [k, t] of optimizer.stateDict()) extras.set(OPTIM_PREFIX + k, safeFromTensor(t));
  for (const [prefix, m] of Object.entries(trainingOnly))
    for (const [k, t] of m.stateDict()) extras.set(prefix + k, safeFromTensor(t));
  saveCheckpoint(path.join(dir, RUN_FILES.last), model, { provenance: { ...provenance, loop }, extras });
}

export function saveBestCheckpoint(dir: string, model: SeedNet, provenance: CheckpointProvenance): void {
  saveCheckpoint(path.join(dir, RUN_FILES.best), model, { provenance });
}

export interface ResumePoint {
  model: SeedNet;
  loop: LoopState;
  /** Restores the optimizer's state into an optimizer built over `model`'s parameters. */
  restoreOptimizer(optimizer: Optimizer): void;
  /** Restores a training-only module saved under `prefix` (saveLastCheckpoint's trainingOnly). */
  restoreModule(prefix: string, module: Module): void;
}

/**
 * The last checkpoint of the run in `dir`, with best.safetensors brought back in line with it (unless
 * `repair` is false: the other ranks of a data-parallel run leave that to rank 0); undefined when there
 * is none (no epoch was completed). `onNote` hears about a repair.
 */
export function loadResumePoint(
  dir: string,
  onNote: (note: string) => void,
  opts: { repair?: boolean } = {},
): ResumePoint | undefined {
  const lastFile = path.join(dir, RUN_FILES.last);
  if (!existsSync(lastFile)) return undefined;
  const { model, info } = loadSingleCheckpoint(lastFile);
  const provenance = info.provenance && parseWith(CheckpointProvenanceSchema, lastFile, info.provenance);
  if (!provenance?.loop) {
    model.dispose();
    throw new RunDirError(lastFile, "no loop state to resume from (not the last checkpoint of a run)");
  }
  const loop = provenance.loop;
  const bestFile = path.join(dir, RUN_FILES.best);
  const repair = opts.repair ?? true;
  if (repair && loop.bestEpoch === loop.epoch && loop.epoch > 0 && bestEpochOf(bestFile) !== loop.epoch) {
    const { loop: _, ...bestProvenance } = provenance;
    saveBestCheckpoint(dir, model, bestProvenance);
    onNote(`${RUN_FILES.best} rewritten from epoch ${loop.epoch}'s checkpoint (a stop had left it behind)`);
  }
  return {
    model,
    loop,
    restoreOptimizer(optimizer) {
      tidy(() => {
        const state = new Map<string, Tensor>();
        for (const [k, v] of info.extras)
          if (k.startsWith(OPTIM_PREFIX)) state.set(k.slice(OPTIM_PREFIX.length), tensorFromSafe(v));
        optimizer.loadStateDict(state, loop.step, loop.lr);
      });
    },
    restoreModule(prefix, module) {
      tidy(() => {
        const state = new Map<string, Tensor>();
        for (const [k, v] of info.extras)
          if (k.startsWith(prefix)) state.set(k.slice(prefix.length), tensorFromSafe(v));
        module.loadStateDict(state, { source: lastFile });
      });
    },
  };
}

/** The epoch a checkpoint was written at, from its header alone (undefined: missing, or no provenance). */
function bestEpochOf(file: string): number | undefined {
  return existsSync(file) ? headerProvenance(file)?.epochs : undefined;
}

/** Complete epochs of the run in `dir`, as its last checkpoint's header says (0 without one). */
export function completedEpochs(dir: string): number {
  const file = path.join(dir, RUN_FILES.last);
  return existsSync(file) ? (headerProvenance(file)?.loop?.epoch ?? 0) : 0;
}

function headerProvenance(file: string): CheckpointProvenance | undefined {
  const text = readSafetensorsHeader(file).metadata["provenance"];
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RunDirError(file, "metadata 'provenance' is not JSON");
  }
  return parseWith(CheckpointProvenanceSchema, file, json);
}
