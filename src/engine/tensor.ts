// Tensor: a PyTorch-shaped API over one libtorch tensor. Values, autograd and kernels are
// libtorch's; this class only names things and registers each tensor in the current memory scope.
import { type NativeHandle, native } from "./native.js";
import { type Disposable, track } from "./scope.js";

export type DType = "float32" | "float64" | "int64" | "int32" | "uint8" | "bool" | "float16" | "bfloat16";
export type Device = "cpu" | "cuda" | `cuda:${number}`;
/** Where a factory may put a tensor: a device, or "meta" (a shape and dtype, no memory, no values). */
export type FactoryDevice = Device | "meta";

/** The device tensor factories use when none is named: "cpu", or "meta" inside shapeOnly(). */
let factoryDevice: FactoryDevice = "cpu";

/**
 * Runs fn with every tensor factory (empty, zeros, ones, full, rand…) making "meta" tensors, which
 * have shapes and dtypes but no memory: a model's structure learnt without building it, whatever its
 * size (PyTorch's `with torch.device("meta")`).
 */
export function shapeOnly<T>(fn: () => T): T {
  const before = factoryDevice;
  factoryDevice = "meta";
  try {
    return fn();
  } finally {
    factoryDevice = before;
  }
}

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  int64: 8,
  int32: 4,
  uint8: 1,
  bool: 1,
  float16: 2,
  bfloat16: 2,
};

export type TypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array;

/** A tensor, or a number broadcast as a scalar. */
export type TensorOrScalar = Tensor | number;

function h(x: TensorOrScalar): NativeHandle | number {
  return typeof x === "number" ? x : x.handle;
}

function dtypeOfArray(data: TypedArray): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Uint8Array) return "uint8";
  throw new TypeError("Uint16Array needs an explicit dtype (float16 or bfloat16)");
}

function arrayOf(buffer: ArrayBuffer, dtype: DType): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(buffer);
    case "float64":
      return new Float64Array(buffer);
    case "int64":
      return new BigInt64Array(buffer);
    case "int32":
      return new Int32Array(buffer);
    case "uint8":
    case "bool":
      return new Uint8Array(buffer);
    case "float16":
    case "bfloat16":
      return new Uint16Array(buffer);
  }
}

/**
 * The garbage collector's backstop: a Tensor that becomes unreachable without being disposed has
 * its native tensor freed here. Memory scopes (tidy) and dispose() are the primary mechanism;
 * disposing unregisters, so the registry only ever acts on what was leaked.
 */
const leaked = new FinalizationRegistry<NativeHandle>((handle) => {
  native().dispose(handle);
});

export class Tensor implements Disposable {
  readonly handle: NativeHandle;

  constructor(handle: NativeHandle) {
    this.handle = handle;
    leaked.register(this, handle, this);
    track(this);
  }

  // ------------------------------------------------------------------ creation

  /** Copies a typed array into a new CPU tensor (float32 from Float32Array, int64 from BigInt64Array…). */
  static fromArray(data: TypedArray, shape?: readonly number[], dtype?: DType): Tensor {
    const dt = dtype ?? dtypeOfArray(data);
    return new Tensor(native().fromBuffer(data, [...(shape ?? [data.length])], dt));
  }

  /** An int64 tensor from plain numbers (class labels, indices). */
  static int64(values: ArrayLike<number>, shape?: readonly number[]): Tensor {
    const a = new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i++) a[i] = BigInt(values[i]!);
    return Tensor.fromArray(a, shape ?? [values.length], "int64");
  }

  static zeros(
    shape: readonly number[],
    dtype: DType = "float32",
    device: FactoryDevice = factoryDevice,
  ): Tensor {
    return new Tensor(native().zeros([...shape], dtype, device));
  }

  static ones(
    shape: readonly number[],
    dtype: DType = "float32",
    device: FactoryDevice = factoryDevice,
  ): Tensor {
    return new Tensor(native().ones([...shape], dtype, device));
  }

  static full(
    shape: readonly number[],
    value: number,
    dtype: DType = "float32",
    device: FactoryDevice = factoryDevice,
  ): Tensor {
    return new Tensor(native().full([...shape], value, dtype, device));
  }

  static empty(
    shape: readonly number[],
    dtype: DType = "float32",
    device: FactoryDevice = factoryDevice,
  ): Tensor {
    return new Tensor(native().empty([...shape], dtype, device));
  }

  static rand(
    shape: readonly number[],
    dtype: DType = "float32",
    device: FactoryDevice = factoryDevice,
  ): Tensor {
    return new Tensor(native().rand([...shape], dtype, device));
  }

  static randn(
    shape: readonly number[],
    dtype: DType = "float32",
    device: FactoryDevice = factoryDevice,
  ): Tensor {
    return new Tensor(native().randn([...shape], dtype, device));
  }

  static cat(tensors: readonly Tensor[], dim = 0): Tensor {
    return new Tensor(
      native().cat(
        tensors.map((t) => t.handle),
        dim,
      ),
    );
  }

  // ------------------------------------------------------------------ properties and data

  get shape(): number[] {
    return native().shape(this.handle);
  }

  get dtype(): DType {
    return native().dtype(this.handle) as DType;
  }

  get device(): Device {
    return native().device(this.handle) as Device;
  }

  get numel(): number {
    return native().numel(this.handle);
  }

  get requiresGrad(): boolean {
    return native().requiresGrad(this.handle);
  }

  set requiresGrad(on: boolean) {
    native().setRequiresGrad(this.handle, on);
  }

  get isLeaf(): boolean {
    return native().isLeaf(this.handle);
  }

  /** A copy of the values on the CPU, in the tensor's own element type. */
  toArray(): TypedArray {
    return arrayOf(native().toBuffer(this.handle), this.dtype);
  }

  /** A copy of the values as float32 (converting if needed). */
  toFloat32Array(): Float32Array {
    if (this.dtype === "float32") return new Float32Array(native().toBuffer(this.handle));
    const t = native().to(this.handle, null, "float32");
    try {
      return new Float32Array(native().toBuffer(t));
    } finally {
      native().dispose(t);
    }
  }

  /** Values as plain numbers (int64 converted; for small tensors). */
  toNumbers(): number[] {
    const a = this.toArray();
    return a instanceof BigInt64Array ? Array.from(a, Number) : Array.from(a as ArrayLike<number>);
  }

  item(): number {
    return native().item(this.handle);
  }

  dispose(): void {
    leaked.unregister(this);
    native().dispose(this.handle);
  }

  unscoped(): void {
    native().reportToGc(this.handle);
  }

  get isDisposed(): boolean {
    return native().isDisposed(this.handle);
  }

  // ------------------------------------------------------------------ autograd

  backward(grad?: Tensor): void {
    native().backward(this.handle, grad?.handle ?? null);
  }

  /** The accumulated gradient (a new handle on the same storage), or null. */
  get grad(): Tensor | null {
    const g = native().grad(this.handle);
    return g ? new Tensor(g) : null;
  }

  /** Drops the gradient (PyTorch's `zero_grad(set_to_none=True)`). */
  clearGrad(): void {
    native().clearGrad(this.handle);
  }

  detach(): Tensor {
    return new Tensor(native().detach(this.handle));
  }

  // ------------------------------------------------------------------ conversion and shape

  to(device: Device): Tensor {
    return new Tensor(native().to(this.handle, device, null));
  }

  toDtype(dtype: DType): Tensor {
    return new Tensor(native().to(this.handle, null, dtype));
  }

  clone(): Tensor {
    return new Tensor(native().clone(this.handle));
  }

  reshape(shape: readonly number[]): Tensor {
    return new Tensor(native().reshape(this.handle, [...shape]));
  }

  unsqueeze(dim: number): Tensor {
    return new Tensor(native().unsqueeze(this.handle, dim));
  }

  squeeze(dim: number): Tensor {
    return new Tensor(native().squeeze(this.handle, dim));
  }

  flatten(start = 0, end = -1): Tensor {
    return new Tensor(native().flatten(this.handle, start, end));
  }

  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(native().narrow(this.handle, dim, start, length));
  }

  indexSelect(dim: number, index: Tensor): Tensor {
    return new Tensor(native().indexSelect(this.handle, dim, index.handle));
  }

  // ------------------------------------------------------------------ neural-network ops

  conv1d(
    weight: Tensor,
    bias: Tensor | null,
    opts: { stride?: number; padding?: number; dilation?: number; groups?: number } = {},
  ): Tensor {
    return new Tensor(
      native().conv1d(
        this.handle,
        weight.handle,
        bias?.handle ?? null,
        opts.stride ?? 1,
        opts.padding ?? 0,
        opts.dilation ?? 1,
        opts.groups ?? 1,
      ),
    );
  }

  /** torch.nn.functional.batch_norm: in training, uses batch statistics and updates the running ones in place. */
  batchNorm(
    weight: Tensor | null,
    bias: Tensor | null,
    runningMean: Tensor | null,
    runningVar: Tensor | null,
    opts: { training: boolean; momentum: number; eps: number },
  ): Tensor {
    return new Tensor(
      native().batchNorm(
        this.handle,
        weight?.handle ?? null,
        bias?.handle ?? null,
        runningMean?.handle ?? null,
        runningVar?.handle ?? null,
        opts.training,
        opts.momentum,
        opts.eps,
      ),
    );
  }

  leakyRelu(slope = 0.01): Tensor {
    return new Tensor(native().leakyRelu(this.handle, slope));
  }

  maxPool1d(kernel: number, stride = kernel, padding = 0): Tensor {
    return new Tensor(native().maxPool1d(this.handle, kernel, stride, padding));
  }

  avgPool1d(kernel: number, stride = kernel, padding = 0): Tensor {
    return new Tensor(native().avgPool1d(this.handle, kernel, stride, padding));
  }

  linear(weight: Tensor, bias: Tensor | null): Tensor {
    return new Tensor(native().linear(this.handle, weight.handle, bias?.handle ?? null));
  }

  dropout(p: number, training: boolean): Tensor {
    return new Tensor(native().dropout(this.handle, p, training));
  }

  softmax(dim: number): Tensor {
    return new Tensor(native().softmax(this.handle, dim));
  }

  logSoftmax(dim: number): Tensor {
    return new Tensor(native().logSoftmax(this.handle, dim));
  }

  gather(dim: number, index: Tensor): Tensor {
    return new Tensor(native().gather(this.handle, dim, index.handle));
  }

  /** Negative log-likelihood of log-probabilities (N, C) at int64 targets (N). */
  nllLoss(target: Tensor, weight: Tensor | null = null, reduction: "none" | "mean" | "sum" = "mean"): Tensor {
    const r = reduction === "none" ? 0 : reduction === "mean" ? 1 : 2;
    return new Tensor(native().nllLoss(this.handle, target.handle, weight?.handle ?? null, r));
  }

  matmul(other: Tensor): Tensor {
    return new Tensor(native().matmul(this.handle, other.handle));
  }

  // ------------------------------------------------------------------ element-wise

  /** this + other, or this + alpha·other, as torch.add. */
  add(other: TensorOrScalar): Tensor;
  add(other: Tensor, alpha: number): Tensor;
  add(other: TensorOrScalar, alpha?: number): Tensor {
    return new Tensor(
      alpha === undefined ? native().add(this.handle, h(other)) : native().add(this.handle, h(other), alpha),
    );
  }

  sub(other: TensorOrScalar): Tensor {
    return new Tensor(native().sub(this.handle, h(other)));
  }

  mul(other: TensorOrScalar): Tensor {
    return new Tensor(native().mul(this.handle, h(other)));
  }

  div(other: TensorOrScalar): Tensor {
    return new Tensor(native().div(this.handle, h(other)));
  }

  pow(exponent: TensorOrScalar): Tensor {
    return new Tensor(native().pow(this.handle, h(exponent)));
  }

  eq(other: TensorOrScalar): Tensor {
    return new Tensor(native().eq(this.handle, h(other)));
  }

  neg(): Tensor {
    return new Tensor(native().neg(this.handle));
  }

  sqrt(): Tensor {
    return new Tensor(native().sqrt(this.handle));
  }

  exp(): Tensor {
    return new Tensor(native().exp(this.handle));
  }

  log(): Tensor {
    return new Tensor(native().log(this.handle));
  }

  /** Values bounded below by min and above by max (null: unbounded on that side). */
  clamp(min: number | null, max: number | null): Tensor {
    return new Tensor(native().clamp(this.handle, min, max));
  }

  // ------------------------------------------------------------------ reductions

  sum(dims?: readonly number[], keepdim = false): Tensor {
    return new Tensor(dims ? native().sum(this.handle, [...dims], keepdim) : native().sum(this.handle));
  }

  mean(dims?: readonly number[], keepdim = false): Tensor {
    return new Tensor(dims ? native().mean(this.handle, [...dims], keepdim) : native().mean(this.handle));
  }

  argmax(dim: number, keepdim = false): Tensor {
    return new Tensor(native().argmax(this.handle, dim, keepdim));
  }

  // ------------------------------------------------------------------ in place (no autograd history wanted: call under noGrad)

  add_(other: TensorOrScalar, alpha = 1): this {
    native().add_(this.handle, h(other), alpha);
    return this;
  }

  mul_(other: TensorOrScalar): this {
    native().mul_(this.handle, h(other));
    return this;
  }

  div_(other: TensorOrScalar): this {
    native().div_(this.handle, h(other));
    return this;
  }

  addcmul_(a: Tensor, b: Tensor, value = 1): this {
    native().addcmul_(this.handle, a.handle, b.handle, value);
    return this;
  }

  addcdiv_(a: Tensor, b: Tensor, value = 1): this {
    native().addcdiv_(this.handle, a.handle, b.handle, value);
    return this;
  }

  copy_(src: Tensor): this {
    native().copy_(this.handle, src.handle);
    return this;
  }

  /**
   * Points this tensor at src's data (device, dtype, values), as PyTorch's `t.data = src`: every
   * holder of this Tensor sees the change, and it stays the same autograd leaf.
   */
  setData(src: Tensor): void {
    native().setData(this.handle, src.handle);
  }

  clamp_(min: number | null, max: number | null): this {
    native().clamp_(this.handle, min, max);
    return this;
  }

  maximum_(other: Tensor): this {
    native().maximum_(this.handle, other.handle);
    return this;
  }

  uniform_(low: number, high: number): this {
    native().uniform_(this.handle, low, high);
    return this;
  }

  toString(): string {
    return this.isDisposed
      ? "Tensor(disposed)"
      : `Tensor(shape=[${this.shape.join(", ")}], dtype=${this.dtype}, device=${this.device})`;
  }
}
