// The resumable last checkpoint: model + optimizer state + loop state in ONE atomically written file,
// so an interrupt at any moment leaves a consistent one behind. Per epoch the run commits, in order:
// the metrics line (fsynced), the last checkpoint (the commit point of the epoch), then the best one.
// A kill between the last two leaves best.safetensors one epoch behind when that epoch was the best;
// the last checkpoint then holds exactly the best weights, and resuming writes them back.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Tensor } from "../engine/index.js";
import { tidy } from "../engine/index.js";
import {
  checkTensorValues,
  loadSingleCheckpoint,
  safeFromTensor,
  saveCheckpoint,
  tensorFromSafe,
} from "../models/checkpoint.js";
import type { SeedNet } from "../models/seed-net.js";
import type { Module } from "../nn/module.js";
import type { Optimizer } from "../nn/optim/index.js";
import { SQUARED_STATES } from "../nn/optim/optimizer.js";
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
  /** The last checkpoint's file. */
  file: string;
  model: SeedNet;
  loop: LoopState;
  /** Restores the optimizer's state into an optimizer built over `model`'s parameters (and the others'). */
  restoreOptimizer(optimizer: Optimizer): void;
  /** Restores a training-only module saved under `prefix` (saveLastCheckpoint's trainingOnly). */
  restoreModule(prefix: string, module: Module): void;
  /** Brings best.safetensors back in line with the last checkpoint when a stop left it behind. */
  repairBest(onNote: (note: string) => void): void;
}

/**
 * The last checkpoint of the run in `dir`, read and checked before anything is written: the model's
 * tensors as any checkpoint's, the loop state, and every training-only tensor (the optimizer's state,
 * an adversary's) finite, the optimizer's averages of squares ≥ 0. Undefined when the run completed
 * no epoch; a run that did (its metrics log, its best checkpoint say so) and has no last checkpoint
 * lost it, and is refused: resuming would start again from epoch 1 over what it has.
 */
export function openResumePoint(dir: string): ResumePoint | undefined {
  const lastFile = path.join(dir, RUN_FILES.last);
  if (!existsSync(lastFile)) {
    refuseLostCheckpoint(dir, lastFile);
    return undefined;
  }
  const { model, info } = loadSingleCheckpoint(lastFile);
  try {
    const provenance = info.provenance && parseWith(CheckpointProvenanceSchema, lastFile, info.provenance);
    if (!provenance?.loop)
      throw new RunDirError(lastFile, "no loop state to resume from (not the last checkpoint of a run)");
    for (const [name, t] of info.extras) {
      const squared = name.startsWith(OPTIM_PREFIX) && SQUARED_STATES.some((s) => name.endsWith(`.${s}`));
      checkTensorValues(lastFile, name, t, {
        what: "training states",
        ...(squared ? { nonNegative: "squared-gradient average" } : {}),
      });
    }
    return resumePoint(dir, lastFile, model, info.extras, provenance as Required<CheckpointProvenance>);
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** No last checkpoint: fine before the first epoch's commit, a loss after it. */
function refuseLostCheckpoint(dir: string, lastFile: string): void {
  const metricsFile = path.join(dir, RUN_FILES.metrics);
  // A kill between an epoch's metrics line and its checkpoint leaves one line ahead, never more.
  const lines = existsSync(metricsFile)
    ? readFileSync(metricsFile, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "").length
    : 0;
  const kept = [
    ...(lines > 1 ? [`${lines} epochs in ${RUN_FILES.metrics}`] : []),
    ...[RUN_FILES.best, RUN_FILES.testEval].filter((f) => existsSync(path.join(dir, f))),
  ];
  if (kept.length > 0)
    throw new RunDirError(
      lastFile,
      `missing, but the run has ${kept.join(" and ")}: resuming would start again from epoch 1 over them (put the file back, or start afresh with --overwrite)`,
    );
}

function resumePoint(
  dir: string,
  lastFile: string,
  model: SeedNet,
  extras: ReadonlyMap<string, SafeTensor>,
  provenance: Required<CheckpointProvenance>,
): ResumePoint {
  const loop = provenance.loop;
  /** The tensors saved under `prefix`, without it. */
  const under = (prefix: string): Map<string, Tensor> => {
    const state = new Map<string, Tensor>();
    for (const [k, v] of extras)
      if (k.startsWith(prefix)) state.set(k.slice(prefix.length), tensorFromSafe(v, k, lastFile));
    return state;
  };
  return {
    file: lastFile,
    model,
    loop,
    restoreOptimizer(optimizer) {
      tidy(() => optimizer.loadStateDict(under(OPTIM_PREFIX), loop.step, loop.lr, { source: lastFile }));
    },
    restoreModule(prefix, module) {
      tidy(() => module.loadStateDict(under(prefix), { source: lastFile }));
    },
    repairBest(onNote) {
      const bestFile = path.join(dir, RUN_FILES.best);
      if (loop.bestEpoch !== loop.epoch || loop.epoch === 0 || bestEpochOf(bestFile) === loop.epoch) return;
      const { loop: _, ...bestProvenance } = provenance;
      saveBestCheckpoint(dir, model, bestProvenance);
      onNote(`${RUN_FILES.best} rewritten from epoch ${loop.epoch}'s checkpoint (a stop had left it behind)`);
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
