// Fused optimizer steps: one native call per parameter instead of a dozen, for speed only. The
// update rules are written, readably, in TypeScript (src/nn/optim/); each function here performs
// the same ATen operations in the same order on the same scalars, so the two paths give the same
// bits (test/nn-optim-fused.test.ts). The scalars that depend on the step count (bias corrections,
// AdaBound's bounds) are computed once, in TypeScript, and passed in.
#pragma once

#include <ATen/ATen.h>

namespace optim_fused {

// Adam (L2 weight decay added to the gradient) or AdamW (decoupled: the weights shrink by
// 1 - lr·weight_decay), as torch.optim's single-tensor path computes them.
struct AdamScalars {
  double lr;
  double beta1;
  double beta2;
  double eps;
  double weight_decay;
  bool decoupled;
  double step_size;                // lr / (1 - beta1^t)
  double bias_correction2_sqrt;    // sqrt(1 - beta2^t)
};
void AdamStep(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& exp_avg,
              const at::Tensor& exp_avg_sq, const AdamScalars& s);

// AdaBound / AMSBound (max_exp_avg_sq defined), as Luo et al.'s reference code computes them.
struct AdaBoundScalars {
  double beta1;
  double beta2;
  double eps;
  double weight_decay;
  double step_size;    // lr·sqrt(1 - beta2^t) / (1 - beta1^t)
  double lower_bound;
  double upper_bound;
};
void AdaBoundStep(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& exp_avg,
                  const at::Tensor& exp_avg_sq, const c10::optional<at::Tensor>& max_exp_avg_sq,
                  const AdaBoundScalars& s);

}  // namespace optim_fused
