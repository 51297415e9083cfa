// An ensemble: networks of one config, trained apart (other seeds, other recipes), whose softmax
// probabilities are averaged. On patients it never saw, one network's score swings with its seed and
// recipe far more than the average of several does: that is what the inter-patient model is made of.
// PyTorch shape: an nn.ModuleList `members`, so the tensor names are `members.K.<the network's own>`,
// and a member is any single network's checkpoint, unchanged.
import type { Tensor } from "../engine/index.js";
import { ModuleList } from "../nn/layers.js";
import { Module } from "../nn/module.js";
import type { ModelConfig } from "./config.js";
import { SeedNet } from "./seed-net.js";

/** The ensemble's child holding its members: member k's tensors are `members.k.<the network's own>`. */
export const MEMBERS = "members";

/** The name member k's tensor `name` has in an ensemble's state dict. */
export function memberTensorName(k: number, name: string): string {
  return `${MEMBERS}.${k}.${name}`;
}

/** The config of one member of an ensemble config (the config itself when it is a single network). */
export function memberConfig(config: ModelConfig): ModelConfig {
  const { members: _, ...single } = config;
  return single;
}

export class Ensemble extends Module {
  readonly config: ModelConfig;
  readonly members: ModuleList<SeedNet>;

  constructor(config: ModelConfig) {
    super();
    if (config.members === undefined) throw new RangeError("an ensemble's config names its members");
    this.config = config;
    const single = memberConfig(config);
    this.members = this.registerModule(
      MEMBERS,
      new ModuleList(Array.from({ length: config.members }, () => new SeedNet(single))),
    );
  }

  /**
   * The logarithm of the members' mean softmax probabilities, (B, classes): logits whose softmax is
   * that mean, so whatever takes a network's logits takes an ensemble's.
   */
  forward(x: Tensor, rhythm?: Tensor): Tensor {
    let sum: Tensor | undefined;
    for (const member of this.members.items) {
      const p = member.forward(x, rhythm).softmax(1);
      sum = sum ? sum.add(p) : p;
    }
    return sum!.div(this.members.items.length).log();
  }
}

/** A network is one SeedNet, or an ensemble of them. */
export type Network = SeedNet | Ensemble;

/** The network a config describes (its `members`, if any, make it an ensemble). */
export function buildNetwork(config: ModelConfig): Network {
  return config.members === undefined ? new SeedNet(config) : new Ensemble(config);
}
