// Fused optimizer steps (native/src/optim_fused.h): one native call per parameter that performs,
// op for op, the update written in TypeScript in src/nn/optim/. A fast path only: the two give the
// same bits, and the scalars that depend on the step count are computed by the caller, in TypeScript.
import { native } from "./native.js";
import type { Tensor } from "./tensor.js";

/** What every Adam-family step takes. */
export interface MomentStepScalars {
  beta1: number;
  beta2: number;
  eps: number;
  /** Adam, AdaBound: an L2 penalty added to the gradient; AdamW: decoupled. */
  weightDecay: number;
  stepSize: number;
}

/** Adam's per-step scalars (torch.optim.Adam / AdamW); stepSize is lr / (1 - beta1^t). */
export interface AdamStepScalars extends MomentStepScalars {
  lr: number;
  /** AdamW: the weights shrink by 1 - lr·weightDecay instead of an L2 term in the gradient. */
  decoupled: boolean;
  /** √(1 - beta2^t). */
  biasCorrection2Sqrt: number;
}

/** AdaBound's per-step scalars (Luo et al.'s reference code); stepSize is lr·√(1 - beta2^t) / (1 - beta1^t). */
export interface AdaBoundStepScalars extends MomentStepScalars {
  lowerBound: number;
  upperBound: number;
}

/** The moment estimates an Adam-family optimizer keeps per parameter. */
export interface MomentState {
  expAvg: Tensor;
  expAvgSq: Tensor;
  /** AMSGrad/AMSBound: the running maximum of expAvgSq. */
  maxExpAvgSq?: Tensor;
}

export function fusedAdamStep(p: Tensor, grad: Tensor, state: MomentState, s: AdamStepScalars): void {
  native().adamStep(p.handle, grad.handle, state.expAvg.handle, state.expAvgSq.handle, s);
}

export function fusedAdaBoundStep(p: Tensor, grad: Tensor, state: MomentState, s: AdaBoundStepScalars): void {
  native().adaboundStep(
    p.handle,
    grad.handle,
    state.expAvg.handle,
    state.expAvgSq.handle,
    state.maxExpAvgSq?.handle ?? null,
    s,
  );
}
