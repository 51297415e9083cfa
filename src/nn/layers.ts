// The layers the seed's network is built from, each matching its torch.nn namesake: same
// parameter names, shapes, defaults and initialisation.
import { type DType, Tensor } from "../engine/index.js";
import { defaultBiasInit_, defaultWeightInit_, fans } from "./init.js";
import { Module } from "./module.js";

export interface Conv1dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

export class Conv1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    opts: Conv1dOptions = {},
  ) {
    super();
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.groups = opts.groups ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new Error(`Conv1d: channels ${inChannels}→${outChannels} not divisible by groups ${this.groups}`);
    }
    this.weight = this.registerParameter(
      "weight",
      Tensor.empty([outChannels, inChannels / this.groups, kernelSize]),
    );
    defaultWeightInit_(this.weight);
    this.bias = opts.bias === false ? undefined : this.registerParameter("bias", Tensor.empty([outChannels]));
    if (this.bias) defaultBiasInit_(this.bias, fans(this.weight.shape).fanIn);
  }

  forward(x: Tensor): Tensor {
    return x.conv1d(this.weight, this.bias ?? null, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

export class BatchNorm1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly numBatchesTracked: Tensor;

  constructor(
    readonly numFeatures: number,
    readonly eps = 1e-5,
    readonly momentum = 0.1,
  ) {
    super();
    this.weight = this.registerParameter("weight", Tensor.ones([numFeatures]));
    this.bias = this.registerParameter("bias", Tensor.zeros([numFeatures]));
    this.runningMean = this.registerBuffer("running_mean", Tensor.zeros([numFeatures]));
    this.runningVar = this.registerBuffer("running_var", Tensor.ones([numFeatures]));
    this.numBatchesTracked = this.registerBuffer("num_batches_tracked", Tensor.zeros([], "int64"));
  }

  forward(x: Tensor): Tensor {
    if (this.training) this.numBatchesTracked.add_(1);
    return x.batchNorm(this.weight, this.bias, this.runningMean, this.runningVar, {
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    });
  }

  /** Inference-time scale and shift: y = x·scale + shift, from the running statistics. */
  foldedAffine(dtype: DType = "float32"): { scale: Tensor; shift: Tensor } {
    const f = (t: Tensor) => (t.dtype === dtype ? t : t.toDtype(dtype));
    const scale = f(this.weight).div(f(this.runningVar).add(this.eps).sqrt());
    const shift = f(this.bias).sub(f(this.runningMean).mul(scale));
    return { scale, shift };
  }
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    super();
    this.weight = this.registerParameter("weight", Tensor.empty([outFeatures, inFeatures]));
    defaultWeightInit_(this.weight);
    this.bias = bias ? this.registerParameter("bias", Tensor.empty([outFeatures])) : undefined;
    if (this.bias) defaultBiasInit_(this.bias, inFeatures);
  }

  forward(x: Tensor): Tensor {
    return x.linear(this.weight, this.bias ?? null);
  }
}

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
  }

  forward(x: Tensor): Tensor {
    return this.training && this.p > 0 ? x.dropout(this.p, true) : x;
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.leakyRelu(this.negativeSlope);
  }
}

export class MaxPool1d extends Module {
  constructor(
    readonly kernelSize: number,
    readonly stride = kernelSize,
    readonly padding = 0,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.maxPool1d(this.kernelSize, this.stride, this.padding);
  }
}

export class AvgPool1d extends Module {
  constructor(
    readonly kernelSize: number,
    readonly stride = kernelSize,
    readonly padding = 0,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.avgPool1d(this.kernelSize, this.stride, this.padding);
  }
}

/** Children named "0", "1", … applied in order, as torch.nn.Sequential. */
export class Sequential extends Module {
  private readonly list: Module[];

  constructor(...layers: Module[]) {
    super();
    this.list = layers;
    layers.forEach((m, i) => {
      this.registerModule(String(i), m);
    });
  }

  get layers(): readonly Module[] {
    return this.list;
  }

  /** Replaces layer i under the same name, as torch.nn.Sequential's `seq[i] = m`; returns the old one. */
  replace(i: number, m: Module): Module {
    const old = this.list[i];
    if (old === undefined) throw new RangeError(`Sequential has no layer ${i}`);
    this.list[i] = m;
    this.registerModule(String(i), m);
    return old;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.list) y = m.forward(y);
    return y;
  }
}

/** Children named "0", "1", … held side by side, not chained, as torch.nn.ModuleList. */
export class ModuleList<M extends Module> extends Module {
  readonly items: readonly M[];

  constructor(items: readonly M[]) {
    super();
    this.items = items;
    items.forEach((m, i) => {
      this.registerModule(String(i), m);
    });
  }

  forward(_x: Tensor): Tensor {
    throw new Error("a ModuleList holds modules; its owner calls them");
  }
}

/** Passes its input through; holds no state (what a folded BatchNorm becomes). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
