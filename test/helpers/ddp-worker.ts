// One rank of test/distributed-ddp.test.ts, started with torchrun's environment (RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT): `node ddp-worker.js OUT_PREFIX`.
// 1. One step of the `compact` model in eval mode (BatchNorm on running statistics, no dropout) on
//    this rank's shard of a fixed global batch; rank 0 writes the all-reduced gradients to
//    OUT_PREFIX.grads.bin (float32, parameters in order, flattened).
// 2. Twenty training steps (train mode, AdaBound, each rank its own random beats); every rank's
//    parameter checksums are all-gathered, and rank 0 writes them to OUT_PREFIX.checksums.json.
import { writeFileSync } from "node:fs";
import {
  initProcessGroup,
  manualSeed,
  setNumThreads,
  Tensor,
  tidy,
  worldFromEnv,
} from "../../src/engine/index.js";
import { presetConfig } from "../../src/models/config.js";
import { SeedNet } from "../../src/models/seed-net.js";
import { crossEntropy, focalLoss, SEED_GAMMA } from "../../src/nn/losses.js";
import { AdaBound } from "../../src/nn/optim/index.js";
import { DataParallel } from "../../src/train/ddp.js";
import { rankShard } from "../../src/train/sampler.js";
import { SEED_ALPHA } from "../../src/vocabulary.js";
import { ddpTestBatch, flatGrads } from "./ddp-batch.js";

const out = process.argv[2]!;
const world = worldFromEnv()!;
setNumThreads(1);
const { group } = initProcessGroup(world, { backend: "gloo", timeoutSeconds: 60 });
manualSeed(0);
const model = new SeedNet(presetConfig("compact"));
model.eval();
const ddp = new DataParallel(group, model);

// 1. The all-reduced gradients of one step.
const { x, y } = ddpTestBatch();
const rows = rankShard(
  Int32Array.from({ length: y.length }, (_, i) => i),
  world.rank,
  world.worldSize,
);
tidy(() => {
  const idx = Tensor.int64(rows);
  crossEntropy(model.forward(x.indexSelect(0, idx)), Tensor.int64(y).indexSelect(0, idx)).backward();
  ddp.afterBackward();
});
if (world.rank === 0) writeFileSync(`${out}.grads.bin`, flatGrads(model));

// 2. Twenty training steps, then every rank's parameter checksums.
model.train();
const optimizer = new AdaBound(model.parameters(), { lr: 1e-3, finalLr: 0.1 });
for (let step = 0; step < 20; step++) {
  tidy(() => {
    manualSeed(1000 * (world.rank + 1) + step);
    const beats = Tensor.rand([8, 1, 187]);
    const labels = Tensor.int64([0, 1, 2, 3, 4, 0, 1, 2]);
    optimizer.zeroGrad();
    ddp.beforeForward();
    focalLoss(model.forward(beats), labels, { alpha: SEED_ALPHA, gamma: SEED_GAMMA }).backward();
    ddp.afterBackward();
    optimizer.step();
  });
}
const checksums = tidy(() => {
  // Per parameter: the sum and the sum of squares, in float64.
  const local = Tensor.fromArray(
    Float64Array.from(
      model.parameters().flatMap((p) => {
        const v = p.toFloat32Array();
        let s = 0;
        let s2 = 0;
        for (const e of v) {
          s += e;
          s2 += e * e;
        }
        return [s, s2];
      }),
    ),
  );
  return group.allgather(local).toArray() as Float64Array;
});
if (world.rank === 0) {
  const perRank = checksums.length / world.worldSize;
  const ranks = Array.from({ length: world.worldSize }, (_, r) => [
    ...checksums.subarray(r * perRank, (r + 1) * perRank),
  ]);
  writeFileSync(`${out}.checksums.json`, JSON.stringify(ranks));
}
ddp.dispose();
optimizer.dispose();
group.shutdown();
