// The scalars of the optimizers' fused native steps (native/src/optim_fused.h), computed per step in
// TypeScript (src/nn/optim/): the types the addon's binding (native.ts) and the fused steps
// (optim-fused.ts) share, here so that neither imports the other for them.

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
