// Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), as torch.optim computes them
// (torch/optim/adam.py and adamw.py, the single-tensor path). With `fused` (the default) the same
// update runs as one native call per parameter (native/src/optim_fused.cc), bit for bit.
import { type AdamStepScalars, fusedAdamStep, type MomentState, type Tensor } from "../../engine/index.js";
import { Optimizer } from "./optimizer.js";

/** AdamW's weight decay when none is given (torch.optim.AdamW's). */
export const ADAMW_WEIGHT_DECAY = 1e-2;

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** AdamW: decay the weights directly instead of adding an L2 term to the gradient. */
  decoupled?: boolean;
  /** One native call per parameter (default) instead of the TypeScript step; same bits. */
  fused?: boolean;
}

/** One Adam or AdamW update of one parameter, in place (call under noGrad). */
export function adamStep(p: Tensor, grad: Tensor, state: MomentState, s: AdamStepScalars): void {
  let g = grad;
  if (s.weightDecay !== 0) {
    if (s.decoupled) p.mul_(1 - s.lr * s.weightDecay);
    else g = g.add(p, s.weightDecay);
  }
  // Decay the first and second moment running averages.
  state.expAvg.mul_(s.beta1).add_(g, 1 - s.beta1);
  state.expAvgSq.mul_(s.beta2).addcmul_(g, g, 1 - s.beta2);
  const denom = state.expAvgSq.sqrt().div_(s.biasCorrection2Sqrt).add_(s.eps);
  p.addcdiv_(state.expAvg, denom, -s.stepSize);
}

export class Adam extends Optimizer {
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  readonly fused: boolean;

  constructor(params: readonly Tensor[], opts: AdamOptions = {}) {
    super(params, opts.lr ?? 1e-3);
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.decoupled = opts.decoupled ?? false;
    this.weightDecay = opts.weightDecay ?? (this.decoupled ? ADAMW_WEIGHT_DECAY : 0);
    this.fused = opts.fused ?? true;
  }

  step(): void {
    this.stepCount += 1;
    const t = this.stepCount;
    const [beta1, beta2] = this.betas;
    const scalars: AdamStepScalars = {
      lr: this.lr,
      beta1,
      beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
      decoupled: this.decoupled,
      stepSize: this.lr / (1 - beta1 ** t),
      biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** t),
    };
    const update = this.fused ? fusedAdamStep : adamStep;
    this.forEachGrad((p, grad, i) => update(p, grad, this.moments(i, false), scalars));
  }
}

export class AdamW extends Adam {
  constructor(params: readonly Tensor[], opts: Omit<AdamOptions, "decoupled"> = {}) {
    super(params, { ...opts, decoupled: true });
  }
}
