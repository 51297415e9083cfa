// The engine's public surface.

export {
  type Backend,
  backendFor,
  DistributedError,
  distributedBackends,
  GradReducer,
  initProcessGroup,
  ProcessGroup,
  type ReduceOp,
  Store,
  WORLD_ENV,
  type WorldInfo,
  worldFromEnv,
} from "./distributed.js";
export { EngineUnavailableError } from "./native.js";
export { fusedAdaBoundStep, fusedAdamStep, type MomentState } from "./optim-fused.js";
export type { AdaBoundStepScalars, AdamStepScalars } from "./optim-scalars.js";
export {
  checkDevice,
  cudaDeviceCount,
  cudaIsAvailable,
  gcExternalBytes,
  getNumThreads,
  isGradEnabled,
  liveTensors,
  manualSeed,
  noGrad,
  setCudnnDeterministic,
  setCudnnTf32,
  setEngineKernelsEnabled,
  setNumThreads,
} from "./runtime.js";
export { type Disposable, keep, tidy, trackedCount } from "./scope.js";
export {
  type Device,
  DTYPE_BYTES,
  type DType,
  type FactoryDevice,
  shapeOnly,
  Tensor,
  type TensorOrScalar,
  type TypedArray,
} from "./tensor.js";
