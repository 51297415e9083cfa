// Inference-time BatchNorm folding: a BatchNorm after a convolution (directly, or with only an
// average pool between, which is linear and per-channel) is an affine map per output channel, so it
// can be merged into that convolution's weights and bias. The folded model computes the same
// eval-mode function with fewer kernels and passes over memory. Use it only for inference.
import { noGrad, tidy } from "../engine/index.js";
import { AvgPool1d, BatchNorm1d, Conv1d, Identity, Sequential } from "../nn/layers.js";
import type { Module } from "../nn/module.js";

function foldInto(conv: Conv1d, bn: BatchNorm1d): void {
  noGrad(() => {
    const { weight, bias } = conv;
    if (!bias) throw new Error("folding needs a conv with a bias");
    // In float64, rounded once into the conv's dtype: the folded weights are then the nearest
    // float32 values to the exact products (two float32 roundings drift by 1e-4 on the seed preset).
    tidy(() => {
      const { scale, shift } = bn.foldedAffine("float64");
      weight.copy_(weight.toDtype("float64").mul(scale.reshape([-1, 1, 1])));
      bias.copy_(bias.toDtype("float64").mul(scale).add(shift));
    });
  });
}

/**
 * Folds, in place, every BatchNorm that follows a Conv1d (possibly through an AvgPool1d) in a
 * Sequential, and removes it (its tensors are freed); returns how many were folded.
 */
export function foldBatchNorms(model: Module): number {
  let folded = 0;
  for (const m of model.modules()) {
    if (!(m instanceof Sequential)) continue;
    const layers = m.layers;
    for (let i = 0; i < layers.length; i++) {
      const bn = layers[i];
      if (!(bn instanceof BatchNorm1d)) continue;
      const prev = layers[i - 1];
      const prev2 = layers[i - 2];
      const conv =
        prev instanceof Conv1d
          ? prev
          : prev instanceof AvgPool1d && prev.padding === 0 && prev2 instanceof Conv1d
            ? prev2
            : undefined;
      if (!conv) continue;
      foldInto(conv, bn);
      // The BatchNorm goes: its name now holds a stateless Identity, so the other layers keep
      // their PyTorch names and the state dict has no entry of the folded BatchNorm.
      m.replace(i, new Identity()).dispose();
      folded++;
    }
  }
  return folded;
}
