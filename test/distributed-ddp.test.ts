// Data-parallel training through c10d (Gloo over 127.0.0.1), two processes: after one step the
// all-reduced gradients are the single-process gradients of the same global batch; after twenty
// steps every rank holds the same parameters (checked by all-gathering checksums). And the pure
// parts: DistributedSampler's sharding, DDP's bucket layout, the global batch.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import {
  distributedBackends,
  manualSeed,
  Store,
  setNumThreads,
  Tensor,
  tidy,
  worldFromEnv,
} from "../src/engine/index.js";
import { presetConfig } from "../src/models/config.js";
import { SeedNet } from "../src/models/seed-net.js";
import { crossEntropy } from "../src/nn/losses.js";
import { gradientBuckets, perRankBatch } from "../src/train/ddp.js";
import { rankShard, shardLength, shuffledOrder } from "../src/train/sampler.js";
import { ddpTestBatch, flatGrads } from "./helpers/ddp-batch.js";
import { engineSkip, maxAbsDiff } from "./helpers/engine.js";
import { repoRoot } from "./helpers/mitdb.js";
import { ended, freePort, rankEnv } from "./helpers/workers.js";

const glooSkip = engineSkip || (distributedBackends().includes("gloo") ? false : "the addon has no Gloo");
const tmp = mkdtempSync(path.join(tmpdir(), "ecg-ddp-"));

/** Gradients of one step of the compact model (eval mode) on the given rows of the test batch. */
function singleProcessGrads(rows: number[]): Float32Array {
  setNumThreads(1);
  manualSeed(0);
  const model = new SeedNet(presetConfig("compact")).eval();
  const { x, y } = ddpTestBatch();
  tidy(() => {
    const idx = Tensor.int64(rows);
    crossEntropy(model.forward(x.indexSelect(0, idx)), Tensor.int64(y).indexSelect(0, idx)).backward();
  });
  const g = flatGrads(model);
  model.dispose();
  x.dispose();
  return g;
}

describe("DistributedSampler semantics", () => {
  test("every rank gets an equal share of the epoch's order; together they cover it, padded from its head", () => {
    const order = shuffledOrder(10, 3, 2);
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.notDeepEqual([...order], [...shuffledOrder(10, 3, 3)], "another epoch, another order");
    assert.deepEqual([...order], [...shuffledOrder(10, 3, 2)], "the same epoch, the same order");
    const shards = [0, 1, 2].map((r) => rankShard(order, r, 3));
    for (const s of shards) assert.equal(s.length, shardLength(10, 3));
    assert.equal(shardLength(10, 3), 4);
    // Positions 0..11 of the padded order, dealt round-robin: 10 and 11 repeat the head.
    assert.deepEqual([...shards[0]!], [order[0], order[3], order[6], order[9]]);
    assert.deepEqual([...shards[1]!], [order[1], order[4], order[7], order[0]]);
    assert.deepEqual([...shards[2]!], [order[2], order[5], order[8], order[1]]);
    assert.equal(rankShard(order, 0, 1), order, "one rank: the order itself");
  });

  test("--batch is the global batch: shared out, or refused when the world size does not divide it", () => {
    assert.equal(perRankBatch(128, 2), 64);
    assert.equal(perRankBatch(128, 1), 128);
    assert.throws(() => perRankBatch(127, 2), /global batch.*divisible by the number of processes \(2\)/);
  });
});

describe("c10d stores and torchrun's environment", { skip: engineSkip }, () => {
  test("a TCPStore on a free port and a FileStore: set, get, add, check", { skip: glooSkip }, () => {
    const server = Store.tcp({ host: "127.0.0.1", port: 0, isServer: true, timeoutSeconds: 5 });
    assert.ok(server.port > 0, "the system chose a port");
    const client = Store.tcp({ host: "127.0.0.1", port: server.port, isServer: false, timeoutSeconds: 5 });
    const file = Store.file(path.join(tmp, "store"), 1, 1);
    for (const s of [client, file]) {
      s.set("a", "one");
      assert.equal(s.get("a"), "one");
      assert.equal(s.add("n", 2), 2);
      assert.equal(s.add("n", 3), 5);
      assert.equal(s.check(["a", "n"]), true);
      assert.equal(s.check(["a", "missing"]), false);
    }
    assert.equal(server.get("a"), "one", "the server sees what its client set");
    assert.throws(() => file.get("never"), /store .*store: .*never/i);
  });

  test("worldFromEnv reads torchrun's variables; a bad one is a one-line error", () => {
    assert.equal(worldFromEnv({}), undefined);
    const env = {
      RANK: "1",
      WORLD_SIZE: "4",
      LOCAL_RANK: "1",
      LOCAL_WORLD_SIZE: "2",
      MASTER_ADDR: "10.0.0.1",
      MASTER_PORT: "29500",
    };
    assert.deepEqual(worldFromEnv(env), {
      rank: 1,
      worldSize: 4,
      localRank: 1,
      localWorldSize: 2,
      masterAddr: "10.0.0.1",
      masterPort: 29500,
      agentStore: false,
    });
    assert.equal(worldFromEnv({ ...env, TORCHELASTIC_USE_AGENT_STORE: "True" })?.agentStore, true);
    assert.throws(() => worldFromEnv({ ...env, RANK: "4" }), /RANK=4 is not below WORLD_SIZE=4/);
    assert.throws(
      () => worldFromEnv({ ...env, WORLD_SIZE: "two" }),
      /WORLD_SIZE=two is not a non-negative integer/,
    );
    assert.throws(() => worldFromEnv({ ...env, MASTER_ADDR: undefined }), /MASTER_ADDR is not set/);
    assert.throws(
      () => worldFromEnv({ ...env, MASTER_PORT: "70000" }),
      /MASTER_PORT=70000 is not a TCP port/,
    );
  });
});

describe("DDP bucket layout", { skip: engineSkip }, () => {
  test("parameters in reverse order, a new bucket past the cap or at a dtype change", () => {
    tidy(() => {
      const p = [
        Tensor.zeros([100]),
        Tensor.zeros([100]),
        Tensor.zeros([50], "float64"),
        Tensor.zeros([300]),
      ];
      assert.deepEqual(gradientBuckets(p, 1000), [[3], [2], [1, 0]]);
      assert.deepEqual(gradientBuckets(p, 1 << 20), [[3], [2], [1, 0]]);
      const same = [Tensor.zeros([100]), Tensor.zeros([100]), Tensor.zeros([100])];
      assert.deepEqual(gradientBuckets(same, 800), [[2, 1], [0]]);
      assert.deepEqual(gradientBuckets(same), [[2, 1, 0]], "25 MB: one bucket for a small model");
    });
  });
});

describe("data-parallel training, 2 processes over 127.0.0.1", { skip: glooSkip }, () => {
  test("all-reduced gradients equal the single-process gradients of the global batch; parameters stay identical", async () => {
    const port = await freePort();
    const prefix = path.join(tmp, "run");
    const worker = path.join(repoRoot, "dist", "test", "helpers", "ddp-worker.js");
    const runs = [0, 1].map((rank) =>
      ended(
        spawn(process.execPath, [worker, prefix], {
          env: rankEnv(rank, 2, port),
          stdio: ["ignore", "pipe", "pipe"],
        }),
      ),
    );
    const results = await Promise.all(runs);
    for (const r of results) assert.equal(r.code, 0, r.stderr);

    const reduced = new Float32Array(readFileSync(`${prefix}.grads.bin`).buffer.slice(0));
    const all = Array.from({ length: 16 }, (_, i) => i);
    const global = singleProcessGrads(all);
    assert.equal(reduced.length, 154_245);
    assert.ok(maxAbsDiff(reduced, global) <= 1e-6, `max |diff| ${maxAbsDiff(reduced, global)}`);
    // Rank 0's own shard alone gives other gradients: the all-reduce did something.
    const own = singleProcessGrads(all.filter((i) => i % 2 === 0));
    assert.ok(maxAbsDiff(own, global) > 1e-4, `own-shard gradients differ by ${maxAbsDiff(own, global)}`);

    const checksums = JSON.parse(readFileSync(`${prefix}.checksums.json`, "utf8")) as number[][];
    assert.equal(checksums.length, 2);
    assert.equal(checksums[0]!.length, 2 * new SeedNet(presetConfig("compact")).parameters().length);
    assert.deepEqual(checksums[1], checksums[0], "rank 1's parameters are rank 0's, to the bit");
    assert.ok(checksums[0]!.every(Number.isFinite));
  });
});
