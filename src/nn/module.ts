// Module: owns named parameters, buffers and sub-modules, whose dotted names compose exactly as
// PyTorch's state dict does (parameters, then buffers, then each child in registration order).
// Subclasses keep what they register in typed fields (`readonly weight: Tensor`, `bias: Tensor |
// undefined`); moves between devices and dtypes change the tensors' data in place, so a field never
// goes stale.
import { type Device, keep, noGrad, type Tensor, tidy } from "../engine/index.js";
import { StateDictError } from "./errors.js";

export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  /** Registers a trainable tensor; it outlives every memory scope and requires grad. */
  protected registerParameter(name: string, t: Tensor): Tensor {
    keep(t);
    t.requiresGrad = true;
    this.params.set(name, t);
    return t;
  }

  /** Registers state that is saved but not trained (running statistics, counters). */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    keep(t);
    this.buffers.set(name, t);
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  *modules(): Generator<Module> {
    yield this;
    for (const c of this.children.values()) yield* c.modules();
  }

  namedParameters(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.params) out.push([prefix + n, t]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Buffers (BatchNorm's running statistics...) by their state-dict names, in PyTorch's order. */
  namedBuffers(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.buffers) out.push([prefix + n, t]);
    for (const [n, c] of this.children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** Parameters and buffers by their PyTorch state-dict names, in PyTorch's order. */
  stateDict(prefix = ""): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [n, t] of this.params) out.set(prefix + n, t);
    for (const [n, t] of this.buffers) out.set(prefix + n, t);
    for (const [n, c] of this.children) for (const [k, v] of c.stateDict(`${prefix}${n}.`)) out.set(k, v);
    return out;
  }

  /**
   * Copies tensors into this module by name. Every missing, unexpected or mis-shaped tensor is an
   * error that names it (all of them, not only the first).
   */
  loadStateDict(tensors: ReadonlyMap<string, Tensor>, opts: { source?: string } = {}): void {
    const own = this.stateDict();
    const source = opts.source ?? "state dict";
    const missing = [...own.keys()].filter((k) => !tensors.has(k));
    const unexpected = [...tensors.keys()].filter((k) => !own.has(k));
    const misShaped: string[] = [];
    for (const [k, t] of own) {
      const src = tensors.get(k);
      if (src && src.shape.join(",") !== t.shape.join(",")) {
        misShaped.push(`${k} (expected [${t.shape.join(", ")}], got [${src.shape.join(", ")}])`);
      }
    }
    const problems: string[] = [];
    if (missing.length) problems.push(`missing ${list(missing)}`);
    if (unexpected.length) problems.push(`unexpected ${list(unexpected)}`);
    if (misShaped.length) problems.push(`mis-shaped ${list(misShaped)}`);
    if (problems.length) throw new StateDictError(`${source}: ${problems.join("; ")}`, source);
    noGrad(() => {
      for (const [k, t] of own) {
        const src = tensors.get(k)!;
        t.copy_(src.dtype === t.dtype ? src : src.toDtype(t.dtype));
      }
    });
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Moves every parameter and buffer (and gradient) to a device, in place: each Tensor keeps its
   * identity and takes the moved data, as torch.nn.Module._apply does, so fields and optimizers
   * that hold them stay valid.
   */
  to(device: Device): this {
    const same = (t: Tensor) => t.device === device || (device === "cuda" && t.device === "cuda:0");
    return this.apply((t) => (same(t) ? undefined : t.to(device)));
  }

  /**
   * Casts every floating-point parameter and buffer (and gradient) to dtype, in place, as PyTorch's
   * .double() and .float() do; integer buffers (num_batches_tracked) stay as they are.
   */
  toDtype(dtype: "float32" | "float64"): this {
    const floating = (t: Tensor) => t.dtype === "float32" || t.dtype === "float64";
    return this.apply((t) => (floating(t) && t.dtype !== dtype ? t.toDtype(dtype) : undefined));
  }

  /** Gives each tensor of every module the data convert returns for it (none: left as is). */
  private apply(convert: (t: Tensor) => Tensor | undefined): this {
    const replace = (t: Tensor) =>
      tidy(() => {
        const converted = convert(t);
        if (converted !== undefined) t.setData(converted);
      });
    noGrad(() => {
      for (const m of this.modules()) {
        for (const t of m.params.values()) {
          replace(t);
          tidy(() => {
            const grad = t.grad;
            if (grad) replace(grad);
          });
        }
        for (const t of m.buffers.values()) replace(t);
      }
    });
    return this;
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    for (const [, t] of this.stateDict()) t.dispose();
  }

  parameterCount(): number {
    return this.parameters().reduce((n, t) => n + t.numel, 0);
  }
}

function list(names: string[]): string {
  const shown = names.slice(0, 8).join(", ");
  return names.length > 8 ? `${shown} and ${names.length - 8} more` : shown;
}
