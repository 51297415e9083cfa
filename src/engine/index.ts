// The engine's public surface.
export { EngineUnavailableError } from "./native.js";
export {
  type AdaBoundStepScalars,
  type AdamStepScalars,
  fusedAdaBoundStep,
  fusedAdamStep,
  type MomentState,
} from "./optim-fused.js";
export {
  checkDevice,
  cudaIsAvailable,
  gcExternalBytes,
  getNumThreads,
  isGradEnabled,
  liveTensors,
  manualSeed,
  noGrad,
  setCudnnTf32,
  setEngineKernelsEnabled,
  setNumThreads,
} from "./runtime.js";
export { type Disposable, keep, tidy, trackedCount } from "./scope.js";
export { type Device, type DType, Tensor, type TensorOrScalar, type TypedArray } from "./tensor.js";
