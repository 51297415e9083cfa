// See optim_fused.h. Each function mirrors, line for line, its TypeScript twin in src/nn/optim/.
#include "optim_fused.h"

#include <c10/core/GradMode.h>

namespace optim_fused {

void AdamStep(const at::Tensor& param, const at::Tensor& grad_in, const at::Tensor& exp_avg,
              const at::Tensor& exp_avg_sq, const AdamScalars& s) {
  c10::NoGradGuard no_grad;
  at::Tensor p = param;
  at::Tensor grad = grad_in;
  if (s.weight_decay != 0) {
    if (s.decoupled) p.mul_(1 - s.lr * s.weight_decay);
    else grad = grad.add(p, s.weight_decay);
  }
  exp_avg.mul_(s.beta1).add_(grad, 1 - s.beta1);
  exp_avg_sq.mul_(s.beta2).addcmul_(grad, grad, 1 - s.beta2);
  at::Tensor denom = exp_avg_sq.sqrt().div_(s.bias_correction2_sqrt).add_(s.eps);
  p.addcdiv_(exp_avg, denom, -s.step_size);
}

void AdaBoundStep(const at::Tensor& param, const at::Tensor& grad_in, const at::Tensor& exp_avg,
                  const at::Tensor& exp_avg_sq, const c10::optional<at::Tensor>& max_exp_avg_sq,
                  const AdaBoundScalars& s) {
  c10::NoGradGuard no_grad;
  at::Tensor p = param;
  at::Tensor grad = grad_in;
  if (s.weight_decay != 0) grad = grad.add(p, s.weight_decay);
  exp_avg.mul_(s.beta1).add_(grad, 1 - s.beta1);
  exp_avg_sq.mul_(s.beta2).addcmul_(grad, grad, 1 - s.beta2);
  at::Tensor second = exp_avg_sq;
  if (max_exp_avg_sq) {
    second = *max_exp_avg_sq;
    at::maximum_out(second, second, exp_avg_sq);
  }
  at::Tensor denom = second.sqrt().add_(s.eps);
  at::Tensor step = at::full_like(denom, s.step_size);
  step.div_(denom).clamp_(s.lower_bound, s.upper_bound).mul_(exp_avg);
  p.add_(step, -1);
}

}  // namespace optim_fused
