// Process-wide engine settings: gradient mode, seeds, threads, devices.

import { UserError } from "../errors.js";
import { native } from "./native.js";
import type { Device } from "./tensor.js";

/** Runs fn with autograd off (inference, optimizer updates); restores the previous mode after. */
export function noGrad<T>(fn: () => T): T {
  const prev = native().setGradEnabled(false);
  try {
    return fn();
  } finally {
    native().setGradEnabled(prev);
  }
}

export function isGradEnabled(): boolean {
  return native().isGradEnabled();
}

/** Seeds libtorch's generators (CPU and CUDA), as torch.manual_seed. */
export function manualSeed(seed: number): void {
  native().manualSeed(seed);
}

export function setNumThreads(n: number): void {
  native().setNumThreads(n);
}

/**
 * Turns the engine's own kernels (native/src/kernels.h: bit-identical replacements for ATen kernels
 * that are slow at this model's shapes) on or off; returns the previous setting.
 */
export function setEngineKernelsEnabled(on: boolean): boolean {
  return native().setEngineKernelsEnabled(on);
}

/**
 * TF32 tensor-core arithmetic in cuDNN convolutions (on by default, as in PyTorch: about twice the
 * speed of float32 on recent GPUs, with a 10-bit mantissa: logits differ from the CPU's by ~1e-3).
 * Off: full float32, the CPU's numbers to ~1e-6. Returns the previous setting.
 */
export function setCudnnTf32(on: boolean): boolean {
  return native().setCudnnTf32(on);
}

/**
 * cuDNN's deterministic algorithms only (torch.backends.cudnn.deterministic; off by default): two
 * runs from the same seed then give the same weights on the GPU. Returns the previous setting.
 */
export function setCudnnDeterministic(on: boolean): boolean {
  return native().setCudnnDeterministic(on);
}

export function getNumThreads(): number {
  return native().getNumThreads();
}

/** CUDA devices libtorch sees (0 for a CPU build). */
export function cudaDeviceCount(): number {
  return native().cudaDeviceCount();
}

export function cudaIsAvailable(): boolean {
  return cudaDeviceCount() > 0;
}

/** Checks that a device is usable here; a one-line error otherwise. */
export function checkDevice(device: Device): void {
  if (device.startsWith("cuda") && !cudaIsAvailable()) {
    throw new UserError(
      `device '${device}' requested but this libtorch has no CUDA device (it is a CPU build, or no GPU is visible)`,
    );
  }
}

/** Tensors alive in the addon's table (for tests and leak hunting). */
export function liveTensors(): number {
  return native().liveTensors();
}

/**
 * Bytes V8 counts as external memory: the tensors no memory scope owns (their freeing is up to
 * dispose() or the garbage collector), plus what other native code reports. Node's
 * process.memoryUsage().external does not include it.
 */
export function gcExternalBytes(): number {
  return native().externalMemory();
}
