// Fused optimizer steps (native/src/optim_fused.h): one native call per parameter that performs,
// op for op, the update written in TypeScript in src/nn/optim/. A fast path only: the two give the
// same bits, and the scalars that depend on the step count are computed by the caller, in TypeScript.
import { native } from "./native.js";
import type { AdaBoundStepScalars, AdamStepScalars } from "./optim-scalars.js";
import type { Tensor } from "./tensor.js";

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
