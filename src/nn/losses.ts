// Losses on logits (B, C) and int64 targets (B).
import { Tensor } from "../engine/index.js";

export interface FocalLossOptions {
  /** Per-class weights alpha[c] (multiplying log p only). Omit for all ones. */
  alpha?: readonly number[];
  /** Focusing parameter; 0 gives (alpha-weighted) cross-entropy. */
  gamma: number;
  /**
   * The seed detaches p inside (1-p)^gamma: no gradient flows through the modulating factor, only
   * through log p. `false` differentiates the whole expression (Lin et al.'s formulation).
   */
  detachModulating?: boolean;
}

/**
 * Focal loss (Lin et al., ICCV 2017) as the seed computes it, mean over the batch:
 * loss_i = -alpha[y_i] · (1 - p_i)^gamma · log p_i, with p_i the softmax probability of the true class.
 */
export function focalLoss(logits: Tensor, target: Tensor, opts: FocalLossOptions): Tensor {
  const index = target.unsqueeze(1);
  const logpt = logits.logSoftmax(1).gather(1, index).squeeze(1);
  let loss = logpt.neg();
  if (opts.gamma !== 0) {
    const pt = (opts.detachModulating ?? true) ? logpt.detach().exp() : logpt.exp();
    loss = loss.mul(pt.neg().add(1).pow(opts.gamma));
  }
  if (opts.alpha) {
    const alpha = Tensor.fromArray(new Float32Array(opts.alpha), [opts.alpha.length]).to(logits.device);
    loss = loss.mul(alpha.gather(0, target));
  }
  return loss.mean();
}

/** Cross-entropy (mean over the batch), torch.nn.functional.cross_entropy without weights. */
export function crossEntropy(logits: Tensor, target: Tensor): Tensor {
  return logits.logSoftmax(1).nllLoss(target, null, "mean");
}

/** The seed's focusing parameter (its class weights are per class: SEED_ALPHA in src/vocabulary.ts). */
export const SEED_GAMMA = 2;
