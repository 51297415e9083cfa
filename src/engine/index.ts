// The engine's public surface.
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
  type DType,
  type FactoryDevice,
  shapeOnly,
  Tensor,
  type TensorOrScalar,
  type TypedArray,
} from "./tensor.js";
