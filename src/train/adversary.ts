// Subject-adversarial training (the gradient reversal of Ganin & Lempitsky, ICML 2015; across ECG
// patients, Zhang J. et al. 2021): a small head learns which training patient a beat's pooled CNN
// features come from, and the gradient it sends back into the network is reversed, so the features
// lose what is patient-specific and keep what tells the classes apart. Training only: the head is not
// part of the model or its checkpoint (the last checkpoint keeps it, under ADVERSARY_PREFIX, to resume).
import type { Tensor } from "../engine/index.js";
import { LeakyReLU, Linear, Sequential } from "../nn/layers.js";
import { Module } from "../nn/module.js";

/** The adversary's tensors in a run's last checkpoint. */
export const ADVERSARY_PREFIX = "__adversary__.";
/** Width of the adversary's hidden layer. */
const ADVERSARY_WIDTH = 64;

/** x forward; −lambda × the gradient backward (x·(−λ) + stop-gradient(x·(1+λ)) has the value x). */
export function reverseGradient(x: Tensor, lambda = 1): Tensor {
  return x.mul(-lambda).add(x.detach().mul(1 + lambda));
}

/** Patient logits from pooled CNN features: Linear → LeakyReLU → Linear. */
export class SubjectAdversary extends Module {
  readonly net: Sequential;

  constructor(features: number, patients: number) {
    super();
    this.net = this.registerModule(
      "net",
      new Sequential(
        new Linear(features, ADVERSARY_WIDTH),
        new LeakyReLU(0.01),
        new Linear(ADVERSARY_WIDTH, patients),
      ),
    );
  }

  /** Patient logits for features whose gradient is reversed on the way back. */
  forward(features: Tensor): Tensor {
    return this.net.forward(reverseGradient(features));
  }
}

/** Each row's patient as an index into the sorted distinct records of those rows. */
export function patientIds(records: readonly string[], rows: Int32Array): { ids: Int32Array; count: number } {
  const names = [...new Set(Array.from(rows, (r) => records[r]!))].sort();
  const index = new Map(names.map((n, i) => [n, i]));
  return { ids: Int32Array.from(rows, (r) => index.get(records[r]!)!), count: names.length };
}
