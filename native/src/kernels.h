// Kernels the engine writes itself, where ATen's CPU kernel for a shape this model uses is slow.
// Each is bit-identical to the ATen operation it replaces (forward and gradient), and falls back
// to ATen for every case it does not cover.
#pragma once

#include <ATen/ATen.h>

namespace kernels {

// avg_pool1d(x, kernel, stride, padding), autograd included. Non-overlapping windows (stride ==
// kernel, no padding) of a float CPU tensor take a direct loop: ATen 1.13 runs them through the
// generic 2-D pooling kernel at a few times the cost (1.5 ms for 128x32x181, kernel 3).
at::Tensor AvgPool1d(const at::Tensor& x, int64_t kernel, int64_t stride, int64_t padding);

// Whether the kernels above are used (default on); off, every call goes to ATen. Tests compare the
// two bit for bit, benchmarks measure what the kernels buy. Returns the previous setting.
bool SetEnabled(bool on);

}  // namespace kernels
