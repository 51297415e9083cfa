// Loads the libtorch addon and types its functions: one-to-one bindings of ATen operations (see
// native/src/addon.cc), plus the engine's own kernels and fused optimizer steps; policy lives in
// tensor.ts and above. Only the engine calls these: every other layer goes through Tensor.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../errors.js";
import type { AdaBoundStepScalars, AdamStepScalars } from "./optim-scalars.js";

/** A handle to one tensor in the addon's table (a BigInt: slot index and generation). */
export type NativeHandle = bigint & { readonly __nativeTensor: unique symbol };

type H = NativeHandle;
type HOrNum = NativeHandle | number;
type Opt = NativeHandle | null;

export interface NativeBinding {
  fromBuffer(data: ArrayBufferView, shape: number[], dtype: string): H;
  toBuffer(t: H): ArrayBuffer;
  zeros(shape: number[], dtype: string, device?: string): H;
  ones(shape: number[], dtype: string, device?: string): H;
  full(shape: number[], value: number, dtype: string, device?: string): H;
  empty(shape: number[], dtype: string, device?: string): H;
  rand(shape: number[], dtype: string, device?: string): H;
  randn(shape: number[], dtype: string, device?: string): H;
  item(t: H): number;
  shape(t: H): number[];
  dtype(t: H): string;
  device(t: H): string;
  numel(t: H): number;
  requiresGrad(t: H): boolean;
  setRequiresGrad(t: H, on: boolean): void;
  isLeaf(t: H): boolean;
  dispose(t: H): void;
  isDisposed(t: H): boolean;
  /** Tells V8 the tensor's native bytes (for tensors whose freeing is up to the garbage collector). */
  reportToGc(t: H): void;
  /** V8's count of external bytes (what reportToGc added, among others). */
  externalMemory(): number;
  liveTensors(): number;
  backward(t: H, grad?: Opt): void;
  grad(t: H): H | null;
  clearGrad(t: H): void;
  detach(t: H): H;
  setGradEnabled(on: boolean): boolean;
  isGradEnabled(): boolean;
  manualSeed(seed: number): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  setEngineKernelsEnabled(on: boolean): boolean;
  setCudnnTf32(on: boolean): boolean;
  setCudnnDeterministic(on: boolean): boolean;
  cudaDeviceCount(): number;
  to(t: H, device: string | null, dtype: string | null): H;
  clone(t: H): H;
  reshape(t: H, shape: number[]): H;
  unsqueeze(t: H, dim: number): H;
  squeeze(t: H, dim: number): H;
  flatten(t: H, start: number, end: number): H;
  narrow(t: H, dim: number, start: number, length: number): H;
  indexSelect(t: H, dim: number, index: H): H;
  cat(ts: H[], dim: number): H;
  conv1d(x: H, w: H, b: Opt, stride: number, padding: number, dilation: number, groups: number): H;
  batchNorm(
    x: H,
    w: Opt,
    b: Opt,
    runMean: Opt,
    runVar: Opt,
    training: boolean,
    momentum: number,
    eps: number,
  ): H;
  leakyRelu(x: H, slope: number): H;
  maxPool1d(x: H, kernel: number, stride: number, padding: number): H;
  avgPool1d(x: H, kernel: number, stride: number, padding: number): H;
  linear(x: H, w: H, b: Opt): H;
  dropout(x: H, p: number, train: boolean): H;
  softmax(x: H, dim: number): H;
  logSoftmax(x: H, dim: number): H;
  gather(x: H, dim: number, index: H): H;
  nllLoss(logp: H, target: H, weight: Opt, reduction: number): H;
  matmul(a: H, b: H): H;
  add(a: H, b: HOrNum, alpha?: number): H;
  sub(a: H, b: HOrNum): H;
  mul(a: H, b: HOrNum): H;
  div(a: H, b: HOrNum): H;
  pow(a: H, b: HOrNum): H;
  eq(a: H, b: HOrNum): H;
  neg(a: H): H;
  sqrt(a: H): H;
  exp(a: H): H;
  log(a: H): H;
  clamp(t: H, min: number | null, max: number | null): H;
  sum(t: H, dims?: number[], keepdim?: boolean): H;
  mean(t: H, dims?: number[], keepdim?: boolean): H;
  argmax(t: H, dim: number, keepdim: boolean): H;
  add_(t: H, other: HOrNum, alpha?: number): void;
  mul_(t: H, other: HOrNum): void;
  div_(t: H, other: HOrNum): void;
  addcmul_(t: H, a: H, b: H, value: number): void;
  addcdiv_(t: H, a: H, b: H, value: number): void;
  copy_(t: H, src: H): void;
  setData(t: H, src: H): void;
  clamp_(t: H, min: number | null, max: number | null): void;
  maximum_(t: H, other: H): void;
  uniform_(t: H, low: number, high: number): void;
  adaboundStep(p: H, grad: H, expAvg: H, expAvgSq: H, maxExpAvgSq: Opt, scalars: AdaBoundStepScalars): void;
  adamStep(p: H, grad: H, expAvg: H, expAvgSq: H, scalars: AdamStepScalars): void;
  /** The c10d process-group backends this build has ("gloo", "nccl"); empty without c10d. */
  distributedBackends: string[];
  /** c10d's stores, process groups and the gradient reducer (native/src/distributed.cc); absent without c10d. */
  Store?: NativeStoreConstructor;
  ProcessGroup?: new (
    store: NativeStore,
    backend: string,
    rank: number,
    size: number,
    timeoutMs: number,
  ) => NativeProcessGroup;
  GradReducer?: new (group: NativeProcessGroup, params: H[], buckets: number[][]) => NativeGradReducer;
}

export interface NativeStoreConstructor {
  /** worldSize 0: the store does not count its clients. */
  new (
    kind: "tcp",
    host: string,
    port: number,
    isServer: boolean,
    worldSize: number,
    timeoutMs: number,
    waitWorkers: boolean,
  ): NativeStore;
  new (kind: "file", path: string, worldSize: number, timeoutMs: number): NativeStore;
}

/** A c10d store (TCPStore or FileStore): a key-value table every rank sees. */
export interface NativeStore {
  set(key: string, value: string): void;
  get(key: string): string;
  add(key: string, delta: number): number;
  check(keys: string[]): boolean;
  wait(keys: string[], timeoutMs: number): void;
  deleteKey(key: string): boolean;
  /** The TCP port (the one chosen when 0 was asked for); -1 for a FileStore. */
  readonly port: number;
}

/** A c10d process group; every collective blocks until done, failed or timed out. */
export interface NativeProcessGroup {
  allreduce(tensors: H[], op: string): void;
  broadcast(tensors: H[], root: number): void;
  allgather(t: H): H;
  barrier(): void;
  shutdown(): void;
}

export interface NativeGradReducer {
  finish(divisor: number): void;
  dispose(): void;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** The addon: $ECG_TORCH_ADDON, else native/build/Release/ecg_torch.node in the repository. */
function addonPath(): string {
  const fromEnv = process.env["ECG_TORCH_ADDON"];
  if (fromEnv) return fromEnv;
  // dist/src/engine → repo root is three levels up (src/engine when run from sources: two).
  for (const up of ["../../..", "../.."]) {
    const p = path.resolve(here, up, "native", "build", "Release", "ecg_torch.node");
    if (existsSync(p)) return p;
  }
  return path.resolve(here, "../../..", "native", "build", "Release", "ecg_torch.node");
}

/** No usable libtorch (addon not built, no CUDA device): the set-up, not the program, is at fault. */
export class EngineUnavailableError extends UserError {
  override name = "EngineUnavailableError";
}

let binding: NativeBinding | undefined;

export function native(): NativeBinding {
  if (binding) return binding;
  const file = addonPath();
  if (!existsSync(file)) {
    throw new EngineUnavailableError(
      `the libtorch addon is not built (${file} is missing): run \`npm run build:native\` (needs libtorch; see README)`,
    );
  }
  // libtorch logs through glog to stderr (c10d: several lines per socket retry or failure); the
  // failures that matter reach us as exceptions with one-line messages. GLOG_minloglevel=0 shows all.
  process.env["GLOG_minloglevel"] ??= "3";
  // libtorch's OpenMP threads wait for one another at the end of every parallel operation; by default
  // they spin while they wait, and on a busy machine (one of two cores taken by another program) the
  // spinning thread keeps the core the late one needs: classifying record 100 took 201 s with 2
  // threads against 62 s with 1; waiting asleep, 2 threads take 51 s (README, "Threads on a busy
  // machine"). OpenMP reads the policy once, when libtorch loads, so it is set here; a user's own
  // OMP_WAIT_POLICY (or GOMP_SPINCOUNT) is kept.
  if (process.env["GOMP_SPINCOUNT"] === undefined) process.env["OMP_WAIT_POLICY"] ??= "PASSIVE";
  const require = createRequire(import.meta.url);
  binding = require(file) as NativeBinding;
  return binding;
}
