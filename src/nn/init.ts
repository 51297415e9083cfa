// Weight initialisations, as torch.nn.init computes them (bounds derived from fan-in/fan-out).
import { noGrad, type Tensor } from "../engine/index.js";

/** fan_in and fan_out of a weight (out, in/groups, k…) or (out, in), as torch.nn.init._calculate_fan_in_and_fan_out. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/** U(±bound), in place, without autograd history. */
export function uniform_(t: Tensor, bound: number): Tensor {
  return noGrad(() => t.uniform_(-bound, bound));
}

/**
 * PyTorch's default for Conv and Linear weights: kaiming_uniform_(a=√5), which works out to
 * U(±1/√fan_in); the bias uses the same bound.
 */
export function defaultWeightInit_(weight: Tensor): Tensor {
  return uniform_(weight, 1 / Math.sqrt(fans(weight.shape).fanIn));
}

export function defaultBiasInit_(bias: Tensor, fanIn: number): Tensor {
  return uniform_(bias, fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0);
}

/** Xavier/Glorot uniform: U(±gain·√(6/(fan_in+fan_out))). */
export function xavierUniform_(weight: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(weight.shape);
  return uniform_(weight, gain * Math.sqrt(6 / (fanIn + fanOut)));
}
