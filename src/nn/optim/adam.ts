// Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), as torch.optim computes them.
import { native, type Tensor } from "../../engine/index.js";
import { Optimizer } from "./optimizer.js";

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** AdamW: decay the weights directly instead of adding an L2 term to the gradient. */
  decoupled?: boolean;
}

export class Adam extends Optimizer {
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;

  constructor(params: readonly Tensor[], opts: AdamOptions = {}) {
    super(params, opts.lr ?? 1e-3);
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.decoupled = opts.decoupled ?? false;
    this.weightDecay = opts.weightDecay ?? (this.decoupled ? 1e-2 : 0);
  }

  step(): void {
    this.stepCount += 1;
    const t = this.stepCount;
    this.forEachGrad((p, grad, i) => {
      native().adamStep(
        p.handle,
        grad.handle,
        this.zeroState(i, "exp_avg").handle,
        this.zeroState(i, "exp_avg_sq").handle,
        t,
        this.lr,
        this.betas[0],
        this.betas[1],
        this.eps,
        this.weightDecay,
        this.decoupled,
      );
    });
  }
}

export class AdamW extends Adam {
  constructor(params: readonly Tensor[], opts: Omit<AdamOptions, "decoupled"> = {}) {
    super(params, { ...opts, decoupled: true });
  }
}
