// See kernels.h. The arithmetic copies ATen's CPU avg_pool kernels (AvgPoolKernel.cpp): each
// window summed in order from 0 in the input's type, then divided by the window size; the
// gradient of each input in a window is grad_out / window (zero for a tail no window covers).
#include "kernels.h"

#include <ATen/Parallel.h>
#include <algorithm>
#include <atomic>
#include <torch/csrc/autograd/custom_function.h>

namespace kernels {
namespace {

std::atomic<bool> enabled{true};

// Rows of the (rows, length) view per parallel chunk: enough work to pay for a thread hand-off.
int64_t GrainRows(int64_t length) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, length)); }

at::Tensor TiledForward(const at::Tensor& x, int64_t k) {
  const at::Tensor in = x.contiguous();
  const int64_t length = in.size(-1);
  const int64_t n = length / k;
  const int64_t rows = length == 0 ? 0 : in.numel() / length;
  std::vector<int64_t> sizes = in.sizes().vec();
  sizes.back() = n;
  at::Tensor out = at::empty(sizes, in.options());
  const float* src = in.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  const float divisor = static_cast<float>(k);
  at::parallel_for(0, rows, GrainRows(length), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* a = src + r * length;
      float* b = dst + r * n;
      for (int64_t j = 0; j < n; ++j) {
        float sum = 0;
        for (int64_t i = 0; i < k; ++i) sum += a[j * k + i];
        b[j] = sum / divisor;
      }
    }
  });
  return out;
}

at::Tensor TiledBackward(const at::Tensor& grad_out, const std::vector<int64_t>& input_sizes, int64_t k) {
  const at::Tensor g = grad_out.contiguous();
  const int64_t length = input_sizes.back();
  const int64_t n = length / k;
  at::Tensor grad_in = at::empty(input_sizes, g.options());
  const int64_t rows = length == 0 ? 0 : grad_in.numel() / length;
  const float* src = g.data_ptr<float>();
  float* dst = grad_in.data_ptr<float>();
  const float divisor = static_cast<float>(k);
  at::parallel_for(0, rows, GrainRows(length), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* a = src + r * n;
      float* b = dst + r * length;
      for (int64_t j = 0; j < n; ++j) {
        const float v = a[j] / divisor;
        for (int64_t i = 0; i < k; ++i) b[j * k + i] = v;
      }
      for (int64_t i = n * k; i < length; ++i) b[i] = 0;
    }
  });
  return grad_in;
}

struct TiledAvgPool : public torch::autograd::Function<TiledAvgPool> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, int64_t k) {
    ctx->saved_data["k"] = k;
    ctx->saved_data["sizes"] = x.sizes().vec();
    return TiledForward(x, k);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const int64_t k = ctx->saved_data["k"].toInt();
    const std::vector<int64_t> sizes = ctx->saved_data["sizes"].toIntVector();
    return {TiledBackward(grads[0], sizes, k), at::Tensor()};
  }
};

}  // namespace

at::Tensor AvgPool1d(const at::Tensor& x, int64_t kernel, int64_t stride, int64_t padding) {
  const bool tiled = enabled.load(std::memory_order_relaxed) && stride == kernel && padding == 0 && kernel >= 1 && x.dim() >= 2 && x.device().is_cpu() &&
                     x.scalar_type() == at::kFloat && x.layout() == at::kStrided && x.size(-1) >= kernel;
  if (!tiled) return at::avg_pool1d(x, {kernel}, {stride}, {padding});
  if (at::GradMode::is_enabled() && x.requires_grad()) return TiledAvgPool::apply(x, kernel);
  return TiledForward(x, kernel);
}

bool SetEnabled(bool on) { return enabled.exchange(on); }

}  // namespace kernels
