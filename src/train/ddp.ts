// Data-parallel training with torch.nn.parallel.DistributedDataParallel's semantics, on c10d:
// - at the start, rank 0's parameters and buffers are broadcast to every rank;
// - before each forward pass, rank 0's buffers are broadcast (DDP's broadcast_buffers=True default:
//   BatchNorm keeps per-rank batch statistics, and every rank starts each step from rank 0's
//   running statistics);
// - gradients are averaged: parameters are laid out in buckets of about 25 MB, in reverse order
//   (the order the backward pass produces them); a bucket is all-reduced (sum) as soon as its
//   gradients are all in, while the backward pass goes on, and divided by the world size after.
// The global batch is shared out: each rank takes batch / worldSize rows of its own shard.
import {
  type Device,
  DistributedError,
  DTYPE_BYTES,
  type GradReducer,
  type ProcessGroup,
  type Store,
  Tensor,
  tidy,
} from "../engine/index.js";
import { UsageError } from "../errors.js";
import type { Module } from "../nn/module.js";

/** DDP's default bucket_cap_mb (25). */
export const BUCKET_CAP_BYTES = 25 * 1024 * 1024;

/**
 * Buckets for params, as DDP lays them out: parameters in reverse order, a new bucket when the dtype
 * or device changes or the bucket would pass capBytes. Returns parameter indices per bucket, in
 * launch order.
 */
export function gradientBuckets(params: readonly Tensor[], capBytes: number = BUCKET_CAP_BYTES): number[][] {
  const buckets: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  let kind = "";
  for (let i = params.length - 1; i >= 0; i--) {
    const p = params[i]!;
    const k = `${p.dtype}@${p.device}`;
    const size = p.numel * DTYPE_BYTES[p.dtype];
    if (current.length > 0 && (k !== kind || bytes + size > capBytes)) {
      buckets.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
    kind = k;
  }
  if (current.length > 0) buckets.push(current);
  return buckets;
}

/** Rows per rank and step; a global batch the world size does not divide is a usage error. */
export function perRankBatch(globalBatch: number, worldSize: number): number {
  if (globalBatch % worldSize !== 0)
    throw new UsageError(
      `--batch ${globalBatch} is the global batch and must be divisible by the number of processes (${worldSize})`,
    );
  return globalBatch / worldSize;
}

/** One model's data-parallel state on one rank. */
export class DataParallel {
  readonly rank: number;
  readonly worldSize: number;
  private readonly buffers: Tensor[];
  private readonly reducer: GradReducer;
  /** Where the model is: NCCL reduces device tensors only, so the loop's flags and sums go there too. */
  private readonly device: Device;

  /** Broadcasts rank 0's parameters and buffers (a collective: every rank calls it). */
  constructor(
    readonly group: ProcessGroup,
    model: Module,
    opts: { broadcastBuffers?: boolean; bucketCapBytes?: number } = {},
  ) {
    this.rank = group.rank;
    this.worldSize = group.size;
    const params = model.parameters();
    this.device = params[0]?.device ?? "cpu";
    const buffers = model.namedBuffers().map(([, t]) => t);
    group.broadcast([...params, ...buffers], 0);
    this.buffers = (opts.broadcastBuffers ?? true) ? buffers : [];
    this.reducer = group.gradReducer(params, gradientBuckets(params, opts.bucketCapBytes));
  }

  get isRank0(): boolean {
    return this.rank === 0;
  }

  /** Before each training forward pass: rank 0's buffers (BatchNorm's running statistics). */
  beforeForward(): void {
    if (this.buffers.length > 0) this.group.broadcast(this.buffers, 0);
  }

  /**
   * After backward, before the optimizer step: every .grad becomes the mean over the ranks of this
   * backward pass's gradient (gradients are cleared each step; none are accumulated over passes).
   */
  afterBackward(): void {
    this.reducer.finish(this.worldSize);
  }

  /** Whether flag is true on any rank (every rank calls it at the same point, and gets the same answer). */
  anyRank(flag: boolean): boolean {
    return tidy(() => {
      const t = Tensor.fromArray(new Float32Array([flag ? 1 : 0])).to(this.device);
      this.group.allreduce([t], "max");
      return t.item() > 0;
    });
  }

  /** Element-wise sums over the ranks (in float64: counts and loss sums stay exact enough). */
  sums(values: readonly number[]): number[] {
    return tidy(() => {
      const t = Tensor.fromArray(Float64Array.from(values)).to(this.device);
      this.group.allreduce([t], "sum");
      return [...(t.toArray() as Float64Array)];
    });
  }

  dispose(): void {
    this.reducer.dispose();
  }
}

/**
 * After a collective failed: which other ranks are gone. Each rank that notices marks itself alive
 * in the store, then waits up to waitMs for the others to do the same; the ranks that do not are
 * returned (undefined when the store itself cannot be reached: its host died too).
 */
export function unansweredRanks(
  store: Store,
  rank: number,
  worldSize: number,
  waitMs: number,
): number[] | undefined {
  const key = (r: number) => `ecg/alive/${r}`;
  const others = Array.from({ length: worldSize }, (_, r) => r).filter((r) => r !== rank);
  try {
    store.set(key(rank), "1");
    const deadline = Date.now() + waitMs;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
      const missing = others.filter((r) => !store.check([key(r)]));
      if (missing.length === 0 || Date.now() >= deadline) return missing;
      Atomics.wait(pause, 0, 0, 50);
    }
  } catch {
    return undefined;
  }
}

/** A collective's failure, with the ranks that are gone named (see unansweredRanks). */
export function explainFailure(
  err: DistributedError,
  store: Store,
  rank: number,
  worldSize: number,
): DistributedError {
  const missing = unansweredRanks(store, rank, worldSize, ROLL_CALL_MS);
  const who =
    missing === undefined
      ? `; the rendezvous store at ${store.address} is gone too (its host died?)`
      : missing.length > 0
        ? `; no answer from rank ${missing.join(", ")} (it died, hangs, or cannot be reached)`
        : "";
  return new DistributedError(`${err.message}${who}`);
}

/** How long a rank that saw a collective fail waits for the others to answer the roll call. */
const ROLL_CALL_MS = 800;
