// Fused optimizer steps: one native call per parameter instead of a dozen, for speed only. The
// update rules are written, readably, in TypeScript (src/nn/optim/); each function here performs
// the same ATen operations in the same order on the same scalars, so the two paths give the same
// bits (test/nn-optim-fused.test.ts). The scalars that depend on the step count (bias corrections,
// AdaBound's bounds) are computed once, in TypeScript, and passed in.
#pragma once

#include <ATen/ATen.h>

namespace optim_fused {

// What the Adam family shares: the moments' decay rates, eps, an L2 penalty, the step size.
struct MomentScalars {
  double beta1 = 0;
  double beta2 = 0;
  double eps = 0;
  double weight_decay = 0;  // Adam, AdaBound: added to the gradient; AdamW: decoupled
  double step_size = 0;
};

// Adam (L2 weight decay added to the gradient) or AdamW (decoupled: the weights shrink by
// 1 - lr·weight_decay), as torch.optim's single-tensor path computes them.
struct AdamScalars : MomentScalars {
  double lr = 0;
  bool decoupled = false;
  double bias_correction2_sqrt = 1;  // sqrt(1 - beta2^t); step_size is lr / (1 - beta1^t)
};
void AdamStep(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& exp_avg,
              const at::Tensor& exp_avg_sq, const AdamScalars& s);

// AdaBound / AMSBound (max_exp_avg_sq defined), as Luo et al.'s reference code computes them.
struct AdaBoundScalars : MomentScalars {
  double lower_bound = 0;  // step_size is lr·sqrt(1 - beta2^t) / (1 - beta1^t)
  double upper_bound = 0;
};
void AdaBoundStep(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& exp_avg,
                  const at::Tensor& exp_avg_sq, const c10::optional<at::Tensor>& max_exp_avg_sq,
                  const AdaBoundScalars& s);

}  // namespace optim_fused
