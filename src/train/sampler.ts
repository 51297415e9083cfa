// Which training rows each step sees: an epoch's order (the same on every rank, a pure function of the
// labels, the run's seed and the epoch, so a resumed run draws what an uninterrupted one did), and this
// rank's shard of it (torch.utils.data.DistributedSampler's rule). Plain: a shuffle of every beat once.
// Balanced: as many draws as beats, but each class drawn in proportion to count^power (power 1: as in
// the data; 0: every class alike; 0.5 between), so the 2 % of S beats in DS1 are seen far more often
// without the loss weights having to say so. Either order is sharded alike.
import { Random } from "../dataset/random.js";
import { rowsByLabel } from "../dataset/split.js";
import type { BalanceOptions } from "./settings.js";

/** The rows 0..count-1, shuffled for one epoch. */
export function shuffledOrder(count: number, seed: number, epoch: number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  new Random(seed * 7919 + epoch).shuffle(order);
  return order;
}

export type { BalanceOptions } from "./settings.js";

/**
 * Class-balanced draws: class c gets min(round(n·count_c^power / Σ count_k^power), maxRepeat·count_c)
 * of the epoch's draws, taken by walking a shuffled list of its beats (reshuffled at each pass), so
 * repeats are spread evenly over the class rather than left to chance; then all draws are shuffled.
 */
export function balancedOrder(
  labels: ArrayLike<number>,
  seed: number,
  epoch: number,
  opts: BalanceOptions,
): Int32Array {
  if (!(opts.power >= 0 && opts.power <= 1))
    throw new RangeError(`balance power must be in [0, 1], got ${opts.power}`);
  if (!(opts.maxRepeat >= 1)) throw new RangeError(`maxRepeat must be ≥ 1, got ${opts.maxRepeat}`);
  const byClass = rowsByLabel(labels);
  const classes = [...byClass.keys()];
  const weight = classes.map((c) => byClass.get(c)!.length ** opts.power);
  const weightSum = weight.reduce((a, b) => a + b, 0);
  const rng = new Random(seed * 7919 + epoch);
  const draws: number[] = [];
  classes.forEach((c, k) => {
    const members = Int32Array.from(byClass.get(c)!);
    const want = Math.min(
      Math.round((labels.length * weight[k]!) / weightSum),
      Math.floor(opts.maxRepeat * members.length),
    );
    for (let taken = 0; taken < want; ) {
      rng.shuffle(members);
      const n = Math.min(members.length, want - taken);
      for (let j = 0; j < n; j++) draws.push(members[j]!);
      taken += n;
    }
  });
  const order = Int32Array.from(draws);
  rng.shuffle(order);
  return order;
}

/** The epoch's order of the rows `labels` label: class-balanced when `balance` is given, else shuffled. */
export function epochOrder(
  labels: ArrayLike<number>,
  seed: number,
  epoch: number,
  balance?: BalanceOptions,
): Int32Array {
  return balance ? balancedOrder(labels, seed, epoch, balance) : shuffledOrder(labels.length, seed, epoch);
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
