// Gradient clipping by total norm, as torch.nn.utils.clip_grad_norm_ (the 2-norm of all the
// gradients together): when it is over maxNorm, every gradient is scaled by maxNorm / (norm + 1e-6).
import { noGrad, type Tensor, tidy } from "../engine/index.js";

/** Clips the gradients of `params` in place; returns their total norm before clipping. */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  return noGrad(() =>
    tidy(() => {
      const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
      if (grads.length === 0) return 0;
      const squares = grads.map((g) => g.pow(2).sum()).reduce((a, b) => a.add(b));
      const norm = Math.sqrt(squares.item());
      const scale = maxNorm / (norm + 1e-6);
      if (scale < 1) for (const g of grads) g.mul_(scale);
      return norm;
    }),
  );
}
