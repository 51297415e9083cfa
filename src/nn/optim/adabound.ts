// AdaBound (Luo, Xiong, Liu, Sun: "Adaptive Gradient Methods with Dynamic Bound of Learning Rate",
// ICLR 2019), as the authors' reference code behaves (../shared/spec/seed-model.md, "Training
// recipe"): Adam whose per-element step size is clamped to bounds that converge to final_lr, scaled
// by lr/initial_lr so a schedule on lr moves them. AMSBound keeps the running maximum of the second
// moment. With `fused` (the default) the same update runs as one native call per parameter
// (native/src/optim_fused.cc), bit for bit.
import { type AdaBoundStepScalars, fusedAdaBoundStep, type MomentState, Tensor } from "../../engine/index.js";
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
  /** One native call per parameter (default) instead of the TypeScript step; same bits. */
  fused?: boolean;
}

/** One AdaBound (AMSBound when state.maxExpAvgSq is set) update of one parameter, in place (call under noGrad). */
export function adaBoundStep(p: Tensor, grad: Tensor, state: MomentState, s: AdaBoundStepScalars): void {
  const g = s.weightDecay !== 0 ? grad.add(p, s.weightDecay) : grad;
  // Decay the first and second moment running averages.
  state.expAvg.mul_(s.beta1).add_(g, 1 - s.beta1);
  state.expAvgSq.mul_(s.beta2).addcmul_(g, g, 1 - s.beta2);
  let second = state.expAvgSq;
  if (state.maxExpAvgSq) second = state.maxExpAvgSq.maximum_(state.expAvgSq);
  const denom = second.sqrt().add_(s.eps);
  // The per-element step size η/denom, clamped to the bounds, times the first moment.
  const step = Tensor.full(denom.shape, s.stepSize, denom.dtype, denom.device);
  step.div_(denom).clamp_(s.lowerBound, s.upperBound).mul_(state.expAvg);
  p.add_(step, -1);
}

export class AdaBound extends Optimizer {
  readonly finalLr: number;
  readonly betas: [number, number];
  readonly gamma: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsbound: boolean;
  readonly fused: boolean;

  constructor(params: readonly Tensor[], opts: AdaBoundOptions = {}) {
    super(params, opts.lr ?? 1e-3);
    this.finalLr = opts.finalLr ?? 0.1;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.gamma = opts.gamma ?? 1e-3;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.amsbound = opts.amsbound ?? false;
    this.fused = opts.fused ?? true;
  }

  step(): void {
    this.stepCount += 1;
    const t = this.stepCount;
    const [beta1, beta2] = this.betas;
    // final_lr follows a schedule on lr (the reference code's workaround: lr/initial_lr).
    const finalLr = (this.finalLr * this.lr) / this.initialLr;
    const scalars: AdaBoundStepScalars = {
      beta1,
      beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
      stepSize: (this.lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t),
      lowerBound: finalLr * (1 - 1 / (this.gamma * t + 1)),
      upperBound: finalLr * (1 + 1 / (this.gamma * t)),
    };
    const update = this.fused ? fusedAdaBoundStep : adaBoundStep;
    this.forEachGrad((p, grad, i) => update(p, grad, this.moments(i, this.amsbound), scalars));
  }
}
