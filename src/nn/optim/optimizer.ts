// The optimizer base: parameters, a learning rate a schedule can move, and per-parameter state
// tensors that outlive memory scopes and are saved with checkpoints for --resume.
import { keep, type MomentState, noGrad, Tensor, tidy } from "../../engine/index.js";
import { StateDictError } from "../errors.js";

/** The moment estimates an Adam-family optimizer keeps per parameter, by torch.optim's names. */
export const MOMENT_STATES = {
  expAvg: "exp_avg",
  expAvgSq: "exp_avg_sq",
  /** AMSGrad/AMSBound: the running maximum of exp_avg_sq. */
  maxExpAvgSq: "max_exp_avg_sq",
} as const;
/** The states that are averages of squares: never negative. */
export const SQUARED_STATES: readonly string[] = [MOMENT_STATES.expAvgSq, MOMENT_STATES.maxExpAvgSq];
const STATE_NAMES: readonly string[] = Object.values(MOMENT_STATES);

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
      expAvg: this.zeroState(i, MOMENT_STATES.expAvg),
      expAvgSq: this.zeroState(i, MOMENT_STATES.expAvgSq),
      ...(withMax ? { maxExpAvgSq: this.zeroState(i, MOMENT_STATES.maxExpAvgSq) } : {}),
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

  /**
   * Restores state saved by stateDict() (tensors are copied, so the caller may free its own). Each
   * name must be `<parameter index>.<state>` of a parameter of this optimizer and a state it keeps,
   * shaped like the parameter: anything else is a StateDictError naming `source` and the entry, and
   * nothing is restored.
   */
  loadStateDict(
    tensors: ReadonlyMap<string, Tensor>,
    stepCount: number,
    lr: number,
    opts: { source?: string } = {},
  ): void {
    const source = opts.source ?? "optimizer state";
    const entries = [...tensors].map(([key, t]) => {
      const dot = key.indexOf(".");
      const i = dot > 0 ? Number(key.slice(0, dot)) : Number.NaN;
      const name = key.slice(dot + 1);
      const fault = (what: string) =>
        new StateDictError(`${source}: optimizer state '${key}' ${what}`, source);
      if (!Number.isInteger(i) || i < 0 || i >= this.params.length)
        throw fault(`names no parameter (this optimizer has ${this.params.length})`);
      if (!STATE_NAMES.includes(name))
        throw fault(`is no state of this optimizer (${STATE_NAMES.join(", ")})`);
      const p = this.params[i]!;
      if (t.shape.join(",") !== p.shape.join(","))
        throw fault(`has shape [${t.shape.join(", ")}], its parameter [${p.shape.join(", ")}]`);
      return { i, name, t, p };
    });
    for (const { i, name, t, p } of entries) {
      this.state[i]!.get(name)?.dispose();
      const moved = t.to(p.device);
      this.state[i]!.set(name, keep(moved.dtype === p.dtype ? moved.clone() : moved.toDtype(p.dtype)));
    }
    this.stepCount = stepCount;
    this.lr = lr;
  }

  dispose(): void {
    for (const m of this.state) for (const t of m.values()) t.dispose();
  }
}
