// NCCL, where a CUDA libtorch built with it and a GPU are present (skipped with a message elsewhere):
// a one-rank process group on the GPU runs the collectives DDP uses on device tensors, and a training
// run through that group (DataParallel over NCCL: broadcast at start, bucketed all-reduce in backward)
// ends where the same run without a group does. More ranks need more GPUs (NCCL refuses two ranks on
// one device); the launcher's refusal of that is tested here too.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { splitFile } from "../src/dataset/beats.js";
import {
  cudaDeviceCount,
  cudaIsAvailable,
  distributedBackends,
  initProcessGroup,
  setCudnnDeterministic,
  Tensor,
} from "../src/engine/index.js";
import { readSafetensors, toFloat32Array } from "../src/nn/safetensors.js";
import { train } from "../src/train/trainer.js";
import { engineSkip, maxAbsDiff } from "./helpers/engine.js";
import { mitdbSkip } from "./helpers/mitdb.js";
import { makeTrainData, tinyRunOptions } from "./helpers/train-data.js";
import { ecgBin, ended, freePort } from "./helpers/workers.js";

const ncclSkip: string | false =
  engineSkip ||
  (!cudaIsAvailable()
    ? "no CUDA device (a CUDA libtorch and a GPU are needed; these run on one)"
    : distributedBackends().includes("nccl")
      ? false
      : "the addon was built without NCCL");

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-nccl-"));

async function oneRankGroup() {
  const port = await freePort();
  return initProcessGroup(
    {
      rank: 0,
      worldSize: 1,
      localRank: 0,
      localWorldSize: 1,
      masterAddr: "127.0.0.1",
      masterPort: port,
      agentStore: false,
    },
    { backend: "nccl", timeoutSeconds: 60 },
  );
}

describe("NCCL on the GPU", { skip: ncclSkip }, () => {
  test("a one-rank group: all-reduce, broadcast, all-gather and barrier on device tensors", async () => {
    const { group } = await oneRankGroup();
    try {
      const t = Tensor.fromArray(Float32Array.of(1, 2, 3), [3]).to("cuda");
      group.allreduce([t]);
      assert.deepEqual(Array.from(t.toFloat32Array()), [1, 2, 3], "the sum over one rank");
      group.allreduce([t], "max");
      group.broadcast([t], 0);
      assert.deepEqual(Array.from(t.toFloat32Array()), [1, 2, 3]);
      assert.deepEqual(Array.from(group.allgather(t).toFloat32Array()), [1, 2, 3]);
      group.barrier();
      t.dispose();
    } finally {
      group.shutdown();
    }
  });

  test("training through NCCL (one rank) ends where training without a group does", {
    skip: mitdbSkip,
  }, async () => {
    const dataDir = path.join(tmp, "data");
    makeTrainData(dataDir);
    // A few steps with cuDNN's deterministic algorithms; "again" (no group either) shows whether the
    // runs are deterministic at all (an Adam-family step turns any rounding in a near-zero gradient
    // into a whole ±lr).
    const deterministic = setCudnnDeterministic(true);
    const options = (out: string) =>
      tinyRunOptions(dataDir, path.join(tmp, out), { epochs: 1, maxSteps: 5, batch: 64, device: "cuda:0" });
    await train(options("alone"));
    await train(options("again"));
    const { group } = await oneRankGroup();
    try {
      await train(options("nccl"), {}, group);
    } finally {
      group.shutdown();
    }
    const weights = (out: string) =>
      [...readSafetensors(path.join(tmp, out, "last.safetensors")).tensors]
        .filter(([k]) => !k.startsWith("__"))
        .map(([k, t]) => [k, toFloat32Array(t)] as const);
    const worst = (a: string, b: string) => {
      const wa = weights(a);
      const wb = weights(b);
      assert.deepEqual(
        wb.map(([k]) => k),
        wa.map(([k]) => k),
      );
      return Math.max(...wa.map(([, t], i) => maxAbsDiff(t, wb[i]![1])));
    };
    const floor = worst("alone", "again");
    const nccl = worst("alone", "nccl");
    console.log(
      `5 steps on CUDA, max |Δw|: NCCL one rank vs no group ${nccl.toExponential(2)}; two runs without a group ${floor.toExponential(2)}`,
    );
    setCudnnDeterministic(deterministic);
    if (floor === 0) assert.equal(nccl, 0, "deterministic runs: through NCCL, the same weights");
    else assert.ok(nccl <= 2 * floor, `max |Δw| = ${nccl}, beyond the runs' own spread ${floor}`);
  });

  test("ecg train --nproc N --device cuda with fewer GPUs is refused before any worker starts", async () => {
    // The refusal comes before the data is read: a file by the right name is enough.
    const dir = path.join(tmp, "refused");
    mkdirSync(dir, { recursive: true });
    writeFileSync(splitFile(dir, "train"), `${new Array(188).fill(0).join(",")}\n`);
    const nproc = String(cudaDeviceCount() + 1);
    const child = spawn(
      process.execPath,
      [ecgBin, "train", "--data", dir, "--nproc", nproc, "--device", "cuda", "--out", path.join(tmp, "two")],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const end = await ended(child);
    assert.equal(end.code, 1, end.stderr);
    assert.match(end.stderr, /GPU/);
    assert.equal(end.stderr.trim().split("\n").length, 1, end.stderr);
  });
});
