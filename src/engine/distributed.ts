// PyTorch's distributed engine (c10d) through the addon: rendezvous stores (TCPStore, FileStore),
// process groups (Gloo on CPUs, NCCL on GPUs where the libtorch has it) and their collectives, and
// DDP's bucketed gradient reducer. Every collective blocks until it is done, has failed, or the
// group's timeout has passed; a failure is a DistributedError whose message is one line.
// The world is described by torchrun's environment conventions (worldFromEnv).
import { UserError } from "../errors.js";
import {
  type NativeGradReducer,
  type NativeProcessGroup,
  type NativeStore,
  type NativeStoreConstructor,
  native,
} from "./native.js";
import { Tensor } from "./tensor.js";

export type Backend = "gloo" | "nccl";
export type ReduceOp = "sum" | "max" | "min" | "product";

/** A rendezvous or collective failure (a worker died, the network failed, a timeout): one line. */
export class DistributedError extends UserError {
  override name = "DistributedError";
}

/** The process-group backends this addon was built with. */
export function distributedBackends(): Backend[] {
  return native().distributedBackends.filter((b): b is Backend => b === "gloo" || b === "nccl");
}

/**
 * The process-group backend for a device, as torch.distributed users choose it: NCCL for CUDA
 * when the addon has it (else Gloo, which stages CUDA tensors through host memory), Gloo on CPUs.
 * A one-line error when the addon has neither.
 */
export function backendFor(device: string): Backend {
  const built = distributedBackends();
  if (device.startsWith("cuda") && built.includes("nccl")) return "nccl";
  if (!built.includes("gloo"))
    throw new DistributedError(
      "this addon was built without Gloo, so it cannot train on several processes (install libgloo-dev, then npm run build:native)",
    );
  return "gloo";
}

function nativeClasses() {
  const n = native();
  if (!n.Store || !n.ProcessGroup || !n.GradReducer)
    throw new DistributedError(
      "this addon was built without c10d, PyTorch's distributed engine (its libtorch has no torch/csrc/distributed headers)",
    );
  return {
    Store: n.Store as NativeStoreConstructor,
    ProcessGroup: n.ProcessGroup,
    GradReducer: n.GradReducer,
  };
}

/** Runs a native call; its one-line error becomes a DistributedError with `what` in front. */
function guarded<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DistributedError) throw e;
    throw new DistributedError(`${what}: ${(e as Error).message}`);
  }
}

const ms = (seconds: number) => Math.max(1, Math.round(seconds * 1000));

/** A c10d key-value store every rank sees: how ranks find each other. */
export class Store {
  private constructor(
    readonly native: NativeStore,
    /** Where the store is, for messages ("127.0.0.1:29500", a file path). */
    readonly address: string,
  ) {}

  /**
   * A TCPStore: the server (isServer; port 0 picks a free port, see `port`) or a client of it. A
   * client keeps trying to connect until timeoutSeconds have passed.
   */
  static tcp(opts: { host: string; port: number; isServer: boolean; timeoutSeconds: number }): Store {
    const { Store: NativeStoreClass } = nativeClasses();
    const where = `${opts.host}:${opts.port}`;
    const s = guarded(
      opts.isServer ? `cannot serve the store on ${where}` : `cannot reach the master at ${where}`,
      () =>
        new NativeStoreClass("tcp", opts.host, opts.port, opts.isServer, 0, ms(opts.timeoutSeconds), false),
    );
    return new Store(s, `${opts.host}:${s.port}`);
  }

  /** A FileStore: a file on a file system every rank shares (one host, or NFS). */
  static file(file: string, worldSize: number, timeoutSeconds: number): Store {
    const { Store: NativeStoreClass } = nativeClasses();
    const s = guarded(
      `cannot open the store file ${file}`,
      () => new NativeStoreClass("file", file, worldSize, ms(timeoutSeconds)),
    );
    return new Store(s, file);
  }

  /** The TCP port (the system's choice when 0 was asked for); -1 for a file store. */
  get port(): number {
    return this.native.port;
  }

  set(key: string, value: string): void {
    guarded(`store ${this.address}`, () => this.native.set(key, value));
  }

  /** The value of key, waiting for it up to the store's timeout. */
  get(key: string): string {
    return guarded(`store ${this.address}`, () => this.native.get(key));
  }

  /** Adds delta to the integer at key (0 if absent) and returns the new value. */
  add(key: string, delta: number): number {
    return guarded(`store ${this.address}`, () => this.native.add(key, delta));
  }

  /** Whether every key is set (does not wait). */
  check(keys: string[]): boolean {
    return guarded(`store ${this.address}`, () => this.native.check(keys));
  }
}

/** A c10d process group: `size` processes, this one `rank`, joined through a store. */
export class ProcessGroup {
  private constructor(
    private handle: NativeProcessGroup | undefined,
    readonly backend: Backend,
    readonly rank: number,
    readonly size: number,
    readonly timeoutSeconds: number,
  ) {}

  /**
   * Joins the group: returns once all `size` ranks have, or throws when timeoutSeconds pass first.
   * Collectives time out after the same number of seconds.
   */
  static join(
    store: Store,
    opts: { backend: Backend; rank: number; size: number; timeoutSeconds: number },
  ): ProcessGroup {
    const { ProcessGroup: NativeGroup } = nativeClasses();
    const pg = guarded(
      `rank ${opts.rank}: not all ${opts.size} workers joined through ${store.address} within ${opts.timeoutSeconds} s`,
      () => new NativeGroup(store.native, opts.backend, opts.rank, opts.size, ms(opts.timeoutSeconds)),
    );
    return new ProcessGroup(pg, opts.backend, opts.rank, opts.size, opts.timeoutSeconds);
  }

  private get live(): NativeProcessGroup {
    if (!this.handle) throw new DistributedError(`rank ${this.rank}: the process group was shut down`);
    return this.handle;
  }

  private run<T>(what: string, fn: (pg: NativeProcessGroup) => T): T {
    const pg = this.live;
    return guarded(`rank ${this.rank}: ${what} failed`, () => fn(pg));
  }

  /** Every rank's tensors reduced element-wise (sum by default), in place, on every rank. */
  allreduce(tensors: readonly Tensor[], op: ReduceOp = "sum"): void {
    this.run("all-reduce", (pg) =>
      pg.allreduce(
        tensors.map((t) => t.handle),
        op,
      ),
    );
  }

  /** root's tensors copied into every rank's, in place (flattened into one message per dtype). */
  broadcast(tensors: readonly Tensor[], root = 0): void {
    this.run("broadcast", (pg) =>
      pg.broadcast(
        tensors.map((t) => t.handle),
        root,
      ),
    );
  }

  /** A new tensor (size, ...t.shape): every rank's t, in rank order. */
  allgather(t: Tensor): Tensor {
    return new Tensor(this.run("all-gather", (pg) => pg.allgather(t.handle)));
  }

  /** Returns once every rank has called it. */
  barrier(): void {
    this.run("barrier", (pg) => pg.barrier());
  }

  /**
   * DDP's reducer over params: a hook on each parameter copies its gradient into its bucket during
   * the backward pass, and each full bucket is all-reduced (sum) at once, in bucket order, while the
   * backward pass goes on. buckets: parameter indices, in the order the buckets are launched.
   */
  gradReducer(params: readonly Tensor[], buckets: readonly (readonly number[])[]): GradReducer {
    const { GradReducer: NativeReducer } = nativeClasses();
    const pg = this.live;
    const r = guarded(
      `rank ${this.rank}: gradient reducer`,
      () =>
        new NativeReducer(
          pg,
          params.map((p) => p.handle),
          buckets.map((b) => [...b]),
        ),
    );
    return new GradReducer(r, this.rank);
  }

  /** Releases the group's threads and connections; later collectives throw. */
  shutdown(): void {
    this.handle?.shutdown();
    this.handle = undefined;
  }
}

export class GradReducer {
  constructor(
    private readonly handle: NativeGradReducer,
    private readonly rank: number,
  ) {}

  /** Waits for every bucket's all-reduce, divides the sums by divisor, writes each parameter's .grad. */
  finish(divisor: number): void {
    guarded(`rank ${this.rank}: gradient all-reduce failed`, () => this.handle.finish(divisor));
  }

  /** Removes the hooks from the parameters. */
  dispose(): void {
    this.handle.dispose();
  }
}

/** One process's place in a job, as torchrun describes it in the environment. */
export interface WorldInfo {
  rank: number;
  worldSize: number;
  localRank: number;
  localWorldSize: number;
  masterAddr: string;
  masterPort: number;
  /** The launcher hosts the store (torchrun's TORCHELASTIC_USE_AGENT_STORE): every rank is a client. */
  agentStore: boolean;
}

/** The variables torchrun sets for each worker (and `ecg train --nproc` does). */
export const WORLD_ENV = {
  rank: "RANK",
  worldSize: "WORLD_SIZE",
  localRank: "LOCAL_RANK",
  localWorldSize: "LOCAL_WORLD_SIZE",
  masterAddr: "MASTER_ADDR",
  masterPort: "MASTER_PORT",
  agentStore: "TORCHELASTIC_USE_AGENT_STORE",
} as const;

/**
 * This process's place in a job from torchrun's environment variables, or undefined when RANK and
 * WORLD_SIZE are not both set (a process on its own). A malformed value is a one-line error.
 */
export function worldFromEnv(env: NodeJS.ProcessEnv = process.env): WorldInfo | undefined {
  if (env[WORLD_ENV.rank] === undefined || env[WORLD_ENV.worldSize] === undefined) return undefined;
  const int = (name: string, fallback?: number): number => {
    const raw = env[name];
    if (raw === undefined && fallback !== undefined) return fallback;
    const v = Number(raw);
    if (raw === undefined || raw.trim() === "" || !Number.isInteger(v) || v < 0)
      throw new UserError(`environment: ${name}=${raw ?? "(unset)"} is not a non-negative integer`);
    return v;
  };
  const worldSize = int(WORLD_ENV.worldSize);
  const rank = int(WORLD_ENV.rank);
  if (worldSize < 1 || rank >= worldSize)
    throw new UserError(`environment: RANK=${rank} is not below WORLD_SIZE=${worldSize}`);
  const masterAddr = env[WORLD_ENV.masterAddr];
  if (worldSize > 1 && !masterAddr)
    throw new UserError(
      "environment: MASTER_ADDR is not set (torchrun's conventions: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)",
    );
  const masterPort = int(WORLD_ENV.masterPort, worldSize > 1 ? undefined : 0);
  if (masterPort > 65535) throw new UserError(`environment: MASTER_PORT=${masterPort} is not a TCP port`);
  return {
    rank,
    worldSize,
    localRank: int(WORLD_ENV.localRank, 0),
    localWorldSize: int(WORLD_ENV.localWorldSize, 1),
    masterAddr: masterAddr ?? "127.0.0.1",
    masterPort,
    agentStore: /^(1|true)$/i.test(env[WORLD_ENV.agentStore] ?? ""),
  };
}

/**
 * Joins the job described by world: a TCPStore at MASTER_ADDR:MASTER_PORT (served by rank 0 unless
 * the launcher serves it) and the process group on it.
 */
export function initProcessGroup(
  world: WorldInfo,
  opts: { backend: Backend; timeoutSeconds: number },
): { store: Store; group: ProcessGroup } {
  const store = Store.tcp({
    host: world.masterAddr,
    port: world.masterPort,
    isServer: world.rank === 0 && !world.agentStore,
    timeoutSeconds: opts.timeoutSeconds,
  });
  const group = ProcessGroup.join(store, {
    backend: opts.backend,
    rank: world.rank,
    size: world.worldSize,
    timeoutSeconds: opts.timeoutSeconds,
  });
  return { store, group };
}
