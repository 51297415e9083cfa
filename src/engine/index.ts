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
export { EngineUnavailableError, native } from "./native.js";
export {
  checkDevice,
  configInfo,
  cudaDeviceCount,
  cudaIsAvailable,
  gcExternalBytes,
  getNumThreads,
  isGradEnabled,
  liveTensors,
  manualSeed,
  noGrad,
  parallelInfo,
  setCudnnTf32,
  setEngineKernelsEnabled,
  setMkldnnEnabled,
  setNumThreads,
  torchVersion,
} from "./runtime.js";
export { type Disposable, dispose, keep, tidy, trackedCount } from "./scope.js";
export {
  type Device,
  DTYPE_BYTES,
  type DType,
  Tensor,
  type TensorOrScalar,
  type TypedArray,
} from "./tensor.js";
