// AdaBound (Luo, Xiong, Liu, Sun: "Adaptive Gradient Methods with Dynamic Bound of Learning Rate",
// ICLR 2019), as the authors' reference code behaves: Adam whose per-element step size is clamped
// to bounds that converge to final_lr, scaled by lr/initial_lr so a schedule on lr moves them.
// AMSBound keeps the running maximum of the second moment.
import { native, type Tensor } from "../../engine/index.js";
import { Optimizer } from "./optimizer.js";

export interface AdaBoundOptions {
  lr?: number;
  finalLr?: number;
  betas?: [number, number];
  gamma?: number;
  eps?: number;
  /** L2 penalty added to the gradient before the moments (not decoupled). */
  weightDecay?: number;
  amsbound?: boolean;
}

export class AdaBound extends Optimizer {
  readonly finalLr: number;
  readonly betas: [number, number];
  readonly gamma: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsbound: boolean;

  constructor(params: readonly Tensor[], opts: AdaBoundOptions = {}) {
    super(params, opts.lr ?? 1e-3);
    this.finalLr = opts.finalLr ?? 0.1;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.gamma = opts.gamma ?? 1e-3;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.amsbound = opts.amsbound ?? false;
  }

  step(): void {
    this.stepCount += 1;
    const t = this.stepCount;
    this.forEachGrad((p, grad, i) => {
      // One fused native call per parameter; the arithmetic is the reference code's, op for op.
      native().adaboundStep(
        p.handle,
        grad.handle,
        this.zeroState(i, "exp_avg").handle,
        this.zeroState(i, "exp_avg_sq").handle,
        this.amsbound ? this.zeroState(i, "max_exp_avg_sq").handle : null,
        t,
        this.lr,
        this.finalLr,
        this.initialLr,
        this.betas[0],
        this.betas[1],
        this.gamma,
        this.eps,
        this.weightDecay,
      );
    });
  }
}
