// The seed's network (../shared/spec/seed-model.md): a 1-D ResNeXt whose stages 1-3 concatenate,
// along the length axis, a "proposed connection" from the raw input after every floor.
// Names of parameters and buffers are the PyTorch original's, so state dicts move both ways.
// With config.rhythm (the rhythm presets), each beat's R-R features go through a small branch
// (`rhythm`) whose output is concatenated with the pooled CNN features before fc1: an S beat is a
// normal QRS that comes early, a conjunction of "shape" and "timing" that the head's MLP expresses
// directly on the joint vector. (FiLM, rhythm scaling the CNN's channels, would suit timing that
// changes which shapes matter; here timing is evidence of its own.)
import { Tensor } from "../engine/index.js";
import { xavierUniform_ } from "../nn/init.js";
import {
  AvgPool1d,
  BatchNorm1d,
  Conv1d,
  Dropout,
  LeakyReLU,
  Linear,
  MaxPool1d,
  Sequential,
} from "../nn/layers.js";
import { Module } from "../nn/module.js";
import type { ModelConfig } from "./config.js";

const SLOPE = 0.01;
/**
 * Rhythm features are positive durations and ratios whose effects are multiplicative (a beat 30 %
 * early is ×0.7 at any heart rate): the branch takes their logarithm, floored here (a double
 * detection's 0 s interval, a regular rhythm's irregularity 0), then standardises it with BatchNorm.
 */
export const RHYTHM_LOG_FLOOR = 0.01;

/** The rhythm branch: BatchNorm of the log features, then two LeakyReLU layers of `width`. */
export function rhythmBranch(features: number, width: number): Sequential {
  return new Sequential(
    new BatchNorm1d(features),
    new Linear(features, width),
    new LeakyReLU(SLOPE),
    new Linear(width, width),
    new LeakyReLU(SLOPE),
  );
}

/** ResNeXt bottleneck with a projection shortcut: LeakyReLU(block(x) + resize(x)). */
export class Block extends Module {
  readonly block: Sequential;
  readonly resize: Sequential;

  constructor(cin: number, width: number, cout: number, stride: number, groups: number) {
    super();
    this.block = this.registerModule(
      "block",
      new Sequential(
        new Conv1d(cin, width, 1, { stride }),
        new BatchNorm1d(width),
        new LeakyReLU(SLOPE),
        new Conv1d(width, width, 3, { padding: 1, groups }),
        new BatchNorm1d(width),
        new LeakyReLU(SLOPE),
        new Conv1d(width, cout, 1),
        new BatchNorm1d(cout),
      ),
    );
    this.resize = this.registerModule(
      "resize",
      new Sequential(new Conv1d(cin, cout, 1, { stride }), new BatchNorm1d(cout)),
    );
  }

  forward(x: Tensor): Tensor {
    return this.block.forward(x).add(this.resize.forward(x)).leakyRelu(SLOPE);
  }
}

/** n Blocks; only the first has `cin` inputs and the given stride. */
export function floor(
  n: number,
  cin: number,
  width: number,
  cout: number,
  stride: number,
  groups: number,
): Sequential {
  const blocks: Block[] = [];
  for (let i = 0; i < n; i++) {
    blocks.push(
      i === 0 ? new Block(cin, width, cout, stride, groups) : new Block(cout, width, cout, 1, groups),
    );
  }
  return new Sequential(...blocks);
}

/** The proposed connection for stage s: the raw beat brought to that stage's channels and length. */
export function shortcut(stage: number, dim: number, cout: number): Sequential {
  const p = stage === 3 ? 2 : 0;
  const pool = 3 * 2 ** (stage - 1);
  return new Sequential(
    new Conv1d(1, dim, 7, { padding: p }),
    new BatchNorm1d(dim),
    new Conv1d(dim, cout, 1, { padding: p }),
    new AvgPool1d(pool, pool),
    new BatchNorm1d(cout),
  );
}

/** After the last floor of a stage: halve the doubled length back. */
export function path(cout: number): Sequential {
  return new Sequential(
    new AvgPool1d(2, 2),
    new BatchNorm1d(cout),
    new LeakyReLU(SLOPE),
    new Conv1d(cout, cout, 1),
  );
}

interface Stage {
  floors: Sequential[];
  shortcut?: Sequential;
  path?: Sequential;
}

export class SeedNet extends Module {
  readonly config: ModelConfig;
  readonly stage0: Sequential;
  readonly stages: Stage[] = [];
  readonly stage4: Sequential;
  readonly rhythm: Sequential | undefined;
  readonly fc1: Linear;
  readonly dropout: Dropout;
  readonly fc2: Linear;
  /** Width of the pooled CNN features (forwardWithFeatures' `pooled`): stage 4's channels. */
  readonly featureWidth: number;

  constructor(config: ModelConfig) {
    super();
    this.config = config;
    const { dim, repeat, groups, floors, connection, classes } = config;
    this.featureWidth = 32 * dim;
    this.stage0 = this.registerModule(
      "stage0",
      new Sequential(new Conv1d(1, dim, 7), new BatchNorm1d(dim), new LeakyReLU(SLOPE), new MaxPool1d(3)),
    );
    let cin = dim;
    for (let s = 1; s <= 3; s++) {
      const mid = dim * 2 ** (s - 1);
      const width = 2 * mid;
      const cout = 4 * mid;
      const stage: Stage = { floors: [] };
      if (connection) stage.shortcut = this.registerModule(`stage${s}_`, shortcut(s, dim, cout));
      for (let f = 1; f <= floors; f++) {
        const stride = connection ? (s === 1 && f === 1 ? 1 : 2) : s > 1 && f === 1 ? 2 : 1;
        stage.floors.push(
          this.registerModule(
            `stage${s}_${f}`,
            floor(repeat, f === 1 ? cin : cout, width, cout, stride, groups),
          ),
        );
      }
      if (connection) stage.path = this.registerModule(`layer${s}_path`, path(cout));
      this.stages.push(stage);
      cin = cout;
    }
    this.stage4 = this.registerModule(
      "stage4",
      floor(repeat, 16 * dim, 16 * dim, this.featureWidth, 2, groups),
    );
    const rhythmWidth = config.rhythm ? config.rhythmWidth! : 0;
    this.rhythm = config.rhythm
      ? this.registerModule("rhythm", rhythmBranch(config.rhythm, rhythmWidth))
      : undefined;
    this.fc1 = this.registerModule("fc1", new Linear(this.featureWidth + rhythmWidth, 32));
    this.dropout = this.registerModule("dropout", new Dropout(0.3));
    this.fc2 = this.registerModule("fc2", new Linear(32, classes));
    xavierUniform_(this.fc1.weight);
    xavierUniform_(this.fc2.weight);
  }

  /**
   * Logits (B, classes) for beats (B, 1, BEAT_LENGTH), with their rhythm features (B, config.rhythm)
   * when the model takes them.
   */
  forward(x0: Tensor, rhythm?: Tensor): Tensor {
    return this.forwardWithFeatures(x0, rhythm).logits;
  }

  /** The logits and the pooled CNN features (B, featureWidth) behind them (for a training-only head). */
  forwardWithFeatures(x0: Tensor, rhythm?: Tensor): { logits: Tensor; pooled: Tensor } {
    if (this.rhythm && !rhythm)
      throw new RangeError(`this model takes ${this.config.rhythm} rhythm features per beat; none given`);
    let x = this.stage0.forward(x0);
    for (const stage of this.stages) {
      // In eval mode the shortcut's output is the same at every floor: compute it once.
      // In training mode each use must run, because each updates its BatchNorm running statistics.
      let cached: Tensor | undefined;
      for (const f of stage.floors) {
        x = f.forward(x);
        if (stage.shortcut) {
          const s = this.training || !cached ? stage.shortcut.forward(x0) : cached;
          cached = s;
          x = Tensor.cat([x, s], 2);
        }
      }
      if (stage.path) x = stage.path.forward(x);
    }
    const pooled = this.stage4.forward(x).mean([2]);
    const joint =
      this.rhythm && rhythm
        ? Tensor.cat([pooled, this.rhythm.forward(rhythm.clamp(RHYTHM_LOG_FLOOR, null).log())], 1)
        : pooled;
    const logits = this.fc2.forward(this.dropout.forward(this.fc1.forward(joint)).leakyRelu(SLOPE));
    return { logits, pooled };
  }
}
