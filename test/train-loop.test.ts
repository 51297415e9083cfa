// The training loop on real MIT-BIH beats (records 208 and 232 give all of N, S, V, F): run files,
// best/last checkpoints, same seed → same weights, and an interrupted run resumed to the same end.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { writeBeatsCsv } from "../src/dataset/beats.js";
import { CACHE_ENV } from "../src/dataset/beats-cache.js";
import { recordBeats } from "../src/dataset/record-beats.js";
import { readCheckpointInfo } from "../src/models/checkpoint.js";
import { presetConfig } from "../src/models/config.js";
import { readSafetensors, toFloat32Array } from "../src/nn/safetensors.js";
import { NO_AUGMENT } from "../src/train/augment.js";
import type { TrainOptions } from "../src/train/options.js";
import { train } from "../src/train/trainer.js";
import { engineSkip, maxAbsDiff } from "./helpers/engine.js";
import { mitdbSkip, recordPath } from "./helpers/mitdb.js";

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-train-"));
// Beat caches of the CSVs made here go to a folder of the test's own, not the user's ~/.cache.
process.env[CACHE_ENV] = path.join(tmp, "beats-cache");
const dataDir = path.join(tmp, "data");

/** A small dataset from two records: every 4th beat, plus every S and F beat. */
function makeData(): void {
  mkdirSync(dataDir, { recursive: true });
  const rows: { x: Float32Array; y: number }[] = [];
  for (const r of ["208", "232"]) {
    const b = recordBeats(recordPath(r));
    for (let i = 0; i < b.count; i++) {
      if (i % 4 === 0 || b.y[i] === 1 || b.y[i] === 3)
        rows.push({ x: b.x.subarray(i * 187, (i + 1) * 187), y: b.y[i]! });
    }
  }
  const x = new Float32Array(rows.length * 187);
  const y = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    x.set(r.x, i * 187);
    y[i] = r.y;
  });
  writeBeatsCsv(path.join(dataDir, "mitbih_train.csv"), { x, y, count: rows.length });
}

function options(out: string, epochs: number): TrainOptions {
  return {
    dataDir,
    outDir: path.join(tmp, out),
    preset: "compact",
    model: presetConfig("compact"),
    epochs,
    batch: 64,
    lr: 1e-3,
    finalLr: 0.1,
    weightDecay: 0,
    optimizer: "adabound",
    loss: "focal",
    gamma: 2,
    alpha: [0.15, 0.75, 0.65, 0.75, 0.25],
    fullFocal: false,
    schedule: "cosine",
    warmupEpochs: 0,
    valFraction: 0.2,
    valSplit: "auto",
    valRecords: undefined,
    balance: undefined,
    augment: NO_AUGMENT,
    adversary: 0,
    select: "macro-f1",
    seed: 5,
    device: "cpu",
    threads: 1,
    maxMinutes: 0,
    resume: false,
  };
}

function weights(file: string): Float32Array[] {
  const { tensors } = readSafetensors(file);
  return [...tensors.entries()]
    .filter(([k]) => !k.startsWith("__"))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, t]) => toFloat32Array(t));
}

describe("training loop", { skip: engineSkip || mitdbSkip }, () => {
  test("writes the run directory; same seed gives the same weights; an interrupted run resumes to the same end", async () => {
    makeData();
    const full = await train(options("full", 2));
    assert.equal(full.epochsDone, 2);
    for (const f of ["config.json", "metrics.jsonl", "best.safetensors", "last.safetensors"]) {
      assert.ok(existsSync(path.join(tmp, "full", f)), f);
    }
    const lines = readFileSync(path.join(tmp, "full", "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.epoch),
      [1, 2],
    );
    for (const k of [
      "trainLoss",
      "trainAcc",
      "valLoss",
      "valAcc",
      "valMacroF1",
      "lr",
      "seconds",
      "samplesPerSec",
    ]) {
      assert.equal(typeof lines[0][k], "number", k);
    }
    assert.ok(lines[1].trainLoss < lines[0].trainLoss, "the loss went down");
    const config = JSON.parse(readFileSync(path.join(tmp, "full", "config.json"), "utf8"));
    assert.equal(config.preset, "compact");
    assert.equal(
      config.data.train + config.data.val,
      lines.length > 0 ? config.data.train + config.data.val : 0,
    );
    const info = readCheckpointInfo(path.join(tmp, "full", "best.safetensors"));
    assert.equal(info.config.dim, 8);
    assert.equal(typeof (info.provenance!["metrics"] as { valMacroF1: number }).valMacroF1, "number");

    // Same seed, same machine: the same weights, to the bit.
    await train(options("again", 2));
    const a = weights(path.join(tmp, "full", "last.safetensors"));
    const b = weights(path.join(tmp, "again", "last.safetensors"));
    assert.equal(Math.max(...a.map((t, i) => maxAbsDiff(t, b[i]!))), 0);

    // Stopped in the middle of epoch 2 (as Ctrl-C does): epoch 1's checkpoint stays; --resume finishes.
    let inSecondEpoch = 0;
    const stopped = await train(options("resumed", 2), {
      onBatch: (b) => {
        if (b.epoch === 2) inSecondEpoch++;
      },
      shouldStop: () => inSecondEpoch >= 5,
    });
    assert.equal(stopped.stopped, true);
    assert.equal(stopped.epochsDone, 1);
    const resumed = await train({ ...options("resumed", 2), resume: true });
    assert.equal(resumed.epochsDone, 2);
    const c = weights(path.join(tmp, "resumed", "last.safetensors"));
    assert.equal(
      Math.max(...a.map((t, i) => maxAbsDiff(t, c[i]!))),
      0,
      "resumed run ends where the uninterrupted one did",
    );
    const resumedLines = readFileSync(path.join(tmp, "resumed", "metrics.jsonl"), "utf8")
      .trim()
      .split("\n");
    assert.equal(resumedLines.length, 2);
  });
});
