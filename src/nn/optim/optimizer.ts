// The optimizer base: parameters, a learning rate a schedule can move, and per-parameter state
// tensors that outlive memory scopes and are saved with checkpoints for --resume.
import { keep, type MomentState, noGrad, Tensor, tidy } from "../../engine/index.js";

export abstract class Optimizer {
  /** Current learning rate (a schedule sets it each step or epoch). */
  lr: number;
  /** The learning rate the optimizer was created with (AdaBound's bounds scale with lr/initialLr). */
  readonly initialLr: number;
  /** Steps taken so far. */
  stepCount = 0;
  protected readonly state: Map<string, Tensor>[] = [];

  constructor(
    readonly params: readonly Tensor[],
    lr: number,
  ) {
    this.lr = lr;
    this.initialLr = lr;
    for (let i = 0; i < params.length; i++) this.state.push(new Map());
  }

  /** Applies one update from the parameters' current gradients. */
  abstract step(): void;

  /** Drops all gradients (set to none, as zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.params) p.clearGrad();
  }

  /** Runs update for every parameter that has a gradient, inside one memory scope, autograd off. */
  protected forEachGrad(update: (p: Tensor, grad: Tensor, i: number) => void): void {
    noGrad(() =>
      tidy(() => {
        this.params.forEach((p, i) => {
          const grad = p.grad;
          if (grad) update(p, grad, i);
        });
      }),
    );
  }

  /** Parameter i's moment estimates (torch.optim's names: exp_avg, exp_avg_sq, max_exp_avg_sq). */
  protected moments(i: number, withMax: boolean): MomentState {
    return {
      expAvg: this.zeroState(i, "exp_avg"),
      expAvgSq: this.zeroState(i, "exp_avg_sq"),
      ...(withMax ? { maxExpAvgSq: this.zeroState(i, "max_exp_avg_sq") } : {}),
    };
  }

  /** The state tensor `name` of parameter i; zeros shaped like the parameter on first use. */
  protected zeroState(i: number, name: string): Tensor {
    let t = this.state[i]!.get(name);
    if (!t) {
      const p = this.params[i]!;
      t = keep(Tensor.zeros(p.shape, p.dtype, p.device));
      this.state[i]!.set(name, t);
    }
    return t;
  }

  /** State tensors by name `<paramIndex>.<stateName>`, for checkpoints. */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    this.state.forEach((m, i) => {
      for (const [k, t] of m) out.set(`${i}.${k}`, t);
    });
    return out;
  }

  /** Restores state saved by stateDict() (tensors are copied, so the caller may free its own). */
  loadStateDict(tensors: ReadonlyMap<string, Tensor>, stepCount: number, lr: number): void {
    for (const [key, t] of tensors) {
      const dot = key.indexOf(".");
      const i = Number(key.slice(0, dot));
      const name = key.slice(dot + 1);
      if (!Number.isInteger(i) || i < 0 || i >= this.params.length)
        throw new Error(`optimizer state '${key}' names no parameter`);
      const old = this.state[i]!.get(name);
      old?.dispose();
      this.state[i]!.set(name, keep(t.to(this.params[i]!.device).clone()));
    }
    this.stepCount = stepCount;
    this.lr = lr;
  }

  dispose(): void {
    for (const m of this.state) for (const t of m.values()) t.dispose();
  }
}
