// The order in which an epoch visits the training beats: a pure function of (labels, epoch, seed), so
// a resumed run draws what an uninterrupted one does, and a distributed sampler can shard the order.
// Plain: a shuffle of every beat once. Balanced: as many draws as beats, but each class drawn in
// proportion to count^power (power 1: as in the data; 0: every class alike; 0.5 between), so the 2 %
// of S beats in DS1 are seen far more often without the loss weights having to say so.
import { Random } from "../dataset/random.js";

export interface BalanceOptions {
  /** Exponent on each class's count: 1 draws as the data is, 0 draws every class equally. */
  power: number;
  /** No beat is drawn more often than this per epoch (a class of 8 beats must not fill a tenth of it). */
  maxRepeat: number;
}

/** The default cap on repeats of one beat in an epoch. */
export const MAX_REPEAT = 20;

/** Every beat once, shuffled (the trainer's order before balancing existed; kept bit for bit). */
export function shuffledOrder(count: number, epoch: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  new Random(seed * 7919 + epoch).shuffle(order);
  return order;
}

/**
 * Class-balanced draws: class c gets min(round(n·count_c^power / Σ count_k^power), maxRepeat·count_c)
 * of the epoch's draws, taken by walking a shuffled list of its beats (reshuffled at each pass), so
 * repeats are spread evenly over the class rather than left to chance; then all draws are shuffled.
 */
export function balancedOrder(
  labels: ArrayLike<number>,
  epoch: number,
  seed: number,
  opts: BalanceOptions,
): Int32Array {
  if (!(opts.power >= 0 && opts.power <= 1))
    throw new RangeError(`balance power must be in [0, 1], got ${opts.power}`);
  if (!(opts.maxRepeat >= 1)) throw new RangeError(`maxRepeat must be ≥ 1, got ${opts.maxRepeat}`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]!);
    if (list) list.push(i);
    else byClass.set(labels[i]!, [i]);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
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
