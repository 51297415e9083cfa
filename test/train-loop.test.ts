// The training loop on real MIT-BIH beats (records 208 and 232 give all of N, S, V, F): run files,
// best/last checkpoints, same seed → same weights, and an interrupted run resumed to the same end.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { CACHE_ENV } from "../src/dataset/beats-cache.js";
import { readCheckpointInfo } from "../src/models/checkpoint.js";
import { readSafetensors, toFloat32Array } from "../src/nn/safetensors.js";
import type { TrainOptions } from "../src/train/options.js";
import { trainRun } from "../src/train/train-run.js";
import { train } from "../src/train/trainer.js";
import { engineSkip, maxAbsDiff } from "./helpers/engine.js";
import { mitdbSkip } from "./helpers/mitdb.js";
import { makeTrainData, tinyRunOptions } from "./helpers/train-data.js";

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-train-"));
// Beat caches of the CSVs made here go to a folder of the test's own, not the user's ~/.cache.
process.env[CACHE_ENV] = path.join(tmp, "beats-cache");
const dataDir = path.join(tmp, "data");

function options(out: string, epochs: number): TrainOptions {
  return tinyRunOptions(dataDir, path.join(tmp, out), { epochs, batch: 64 });
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
    makeTrainData(dataDir);
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

describe("a quick try: --limit-beats and --max-steps", { skip: engineSkip || mitdbSkip }, () => {
  test("a stratified sample of N beats, a stop after N steps that checkpoints a partial epoch, and a resume past it", async () => {
    makeTrainData(dataDir);
    const opts = { ...options("quick", 3), batch: 32, limitBeats: 300, maxSteps: 10 };
    const run = await trainRun({ options: opts, test: false });
    // 300 beats, 20 % validation: 240 training beats, 8 batches of 32 an epoch; 10 steps end epoch 2 early.
    assert.equal(run.training.stoppedBy, "max-steps");
    assert.equal(run.training.epochsDone, 2);
    const config = JSON.parse(readFileSync(path.join(tmp, "quick", "config.json"), "utf8"));
    assert.equal(config.maxSteps, 10);
    assert.equal(config.data.limitBeats, 300);
    assert.equal(config.data.train + config.data.val, 300);
    const last = readCheckpointInfo(path.join(tmp, "quick", "last.safetensors"));
    assert.equal(
      (last.provenance!["loop"] as { epoch: number; step: number }).step,
      10,
      "the loop state says where it stopped",
    );

    // Resumed without changes: the limit is a setting of the run, so there is nothing left to do.
    const again = await trainRun({ options: { ...opts, resume: true }, test: false });
    assert.equal(again.training.epochsDone, 2);
    // Lifting the limit needs --override; the run then continues with epoch 3, and says so in config.json.
    await assert.rejects(
      trainRun({
        options: { ...opts, maxSteps: 0, resume: true },
        given: new Set(["maxSteps"]),
        test: false,
      }),
      /--max-steps 0 differs from the run's 10 \(config\.json\); add --override max-steps/,
    );
    const lifted = await trainRun({
      options: { ...opts, maxSteps: 0, resume: true },
      given: new Set(["maxSteps"]),
      override: new Set(["maxSteps"]),
      test: false,
    });
    assert.equal(lifted.training.stopped, false);
    assert.equal(lifted.training.epochsDone, 3);
    const after = JSON.parse(readFileSync(path.join(tmp, "quick", "config.json"), "utf8"));
    assert.equal(after.maxSteps, 0);
    assert.equal(after.overrides.length, 1);
    assert.deepEqual(after.overrides[0].changes, { "max-steps": { from: 10, to: 0 } });
    assert.equal(after.overrides[0].epoch, 2);
    const epochs = readFileSync(path.join(tmp, "quick", "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).epoch);
    assert.deepEqual(epochs, [1, 2, 3]);
  });
});
