// Which training rows each step sees: an epoch's order (the same on every rank, seeded by the run's
// seed and the epoch, so a resumed run draws what an uninterrupted one did), and this rank's shard
// of it (torch.utils.data.DistributedSampler's rule). Another order (class-balanced, say) slots in
// as a replacement for epochOrder; the sharding stays.
import { Random } from "../dataset/random.js";

/** The rows 0..count-1, shuffled for one epoch. */
export function epochOrder(count: number, seed: number, epoch: number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  new Random(seed * 7919 + epoch).shuffle(order);
  return order;
}

/** Rows per rank and epoch: the order padded to a multiple of the world size, shared out. */
export function shardLength(count: number, worldSize: number): number {
  return Math.ceil(count / worldSize);
}

/**
 * This rank's share of an epoch's order, as DistributedSampler deals it: the order padded to a
 * multiple of worldSize by repeating its head, then every worldSize-th row from position rank. All
 * ranks get the same number of rows (so they take the same number of steps); with one rank, the
 * order itself.
 */
export function rankShard(order: Int32Array, rank: number, worldSize: number): Int32Array {
  if (worldSize === 1) return order;
  const n = shardLength(order.length, worldSize);
  const shard = new Int32Array(n);
  for (let i = 0; i < n; i++) shard[i] = order[(rank + i * worldSize) % order.length]!;
  return shard;
}
