// The QRS detector's linear filters, all causal and sample-by-sample so that a stream and a whole
// record go through exactly the same arithmetic: Butterworth sections designed by the bilinear
// transform (with pre-warping), the five-point derivative and the moving-window integrator of
// Pan & Tompkins (IEEE TBME 32(3):230-236, 1985).

/** One second-order section, a0 normalised to 1: y = b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2. */
export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

type Kind = "lowpass" | "highpass";

/**
 * A Butterworth low- or high-pass of the given order as second-order sections (a first-order
 * section, b2 = a2 = 0, when the order is odd). Each pole pair of the analog prototype becomes one
 * biquad with Q = 1 / (2 cos θ); the cut-off is pre-warped so the -3 dB point lands at cutoffHz.
 */
export function butterworth(kind: Kind, order: number, cutoffHz: number, fs: number): Biquad[] {
  if (!Number.isInteger(order) || order < 1)
    throw new RangeError(`filter order must be a positive integer, got ${order}`);
  if (!(cutoffHz > 0 && cutoffHz < fs / 2))
    throw new RangeError(`cut-off ${cutoffHz} Hz must lie in (0, ${fs / 2}) Hz`);
  const k = Math.tan((Math.PI * cutoffHz) / fs);
  const sections: Biquad[] = [];
  for (let i = 0; i < Math.floor(order / 2); i++) {
    // Angle of the i-th pole pair from the negative real axis.
    const theta = order % 2 === 1 ? ((i + 1) * Math.PI) / order : ((2 * i + 1) * Math.PI) / (2 * order);
    const q = 1 / (2 * Math.cos(theta));
    const norm = 1 / (1 + k / q + k * k);
    const a1 = 2 * (k * k - 1) * norm;
    const a2 = (1 - k / q + k * k) * norm;
    if (kind === "lowpass") {
      const b0 = k * k * norm;
      sections.push({ b0, b1: 2 * b0, b2: b0, a1, a2 });
    } else {
      sections.push({ b0: norm, b1: -2 * norm, b2: norm, a1, a2 });
    }
  }
  if (order % 2 === 1) {
    const a1 = (k - 1) / (k + 1);
    const b0 = kind === "lowpass" ? k / (1 + k) : 1 / (1 + k);
    sections.push({ b0, b1: kind === "lowpass" ? b0 : -b0, b2: 0, a1, a2: 0 });
  }
  return sections;
}

/** The complex response of a cascade at frequency f (Hz), as [re, im]. */
function response(sections: readonly Biquad[], f: number, fs: number): [number, number] {
  const w = (2 * Math.PI * f) / fs;
  // z^-1 = e^{-jw}, z^-2 = e^{-2jw}
  const c1 = Math.cos(w);
  const s1 = -Math.sin(w);
  const c2 = Math.cos(2 * w);
  const s2 = -Math.sin(2 * w);
  let re = 1;
  let im = 0;
  for (const s of sections) {
    const nr = s.b0 + s.b1 * c1 + s.b2 * c2;
    const ni = s.b1 * s1 + s.b2 * s2;
    const dr = 1 + s.a1 * c1 + s.a2 * c2;
    const di = s.a1 * s1 + s.a2 * s2;
    const den = dr * dr + di * di;
    const hr = (nr * dr + ni * di) / den;
    const hi = (ni * dr - nr * di) / den;
    const r = re * hr - im * hi;
    im = re * hi + im * hr;
    re = r;
  }
  return [re, im];
}

/** Magnitude of a cascade's response at f (Hz). */
export function magnitude(sections: readonly Biquad[], f: number, fs: number): number {
  const [re, im] = response(sections, f, fs);
  return Math.hypot(re, im);
}

/** Group delay of a cascade at f (Hz), in samples (numerical derivative of the unwrapped phase). */
export function groupDelay(sections: readonly Biquad[], f: number, fs: number): number {
  const df = 1e-3;
  const [r0, i0] = response(sections, f - df, fs);
  const [r1, i1] = response(sections, f + df, fs);
  // phase difference without unwrapping trouble: arg(H1 * conj(H0))
  const dphi = Math.atan2(i1 * r0 - r1 * i0, r1 * r0 + i1 * i0);
  const dw = (2 * Math.PI * (2 * df)) / fs;
  return -dphi / dw;
}

/** A cascade of biquads in transposed direct form II, run one sample at a time (float64 state). */
export class SosFilter {
  private readonly s: Biquad[];
  private readonly z1: Float64Array;
  private readonly z2: Float64Array;

  constructor(sections: readonly Biquad[]) {
    this.s = sections.map((x) => ({ ...x }));
    this.z1 = new Float64Array(sections.length);
    this.z2 = new Float64Array(sections.length);
  }

  step(x: number): number {
    let v = x;
    for (let i = 0; i < this.s.length; i++) {
      const c = this.s[i]!;
      const y = c.b0 * v + this.z1[i]!;
      this.z1[i] = c.b1 * v - c.a1 * y + this.z2[i]!;
      this.z2[i] = c.b2 * v - c.a2 * y;
      v = y;
    }
    return v;
  }
}

/**
 * The five-point derivative of Pan & Tompkins, y(n) = (2x(n) + x(n-1) - x(n-3) - 2x(n-4)) / 8,
 * scaled by fs so its output is in units per second whatever the sampling rate. Delay: 2 samples.
 */
export class FivePointDerivative {
  private readonly h = new Float64Array(4);
  private readonly scale: number;

  constructor(fs: number) {
    this.scale = fs / 8;
  }

  step(x: number): number {
    const h = this.h;
    const y = (2 * x + h[0]! - h[2]! - 2 * h[3]!) * this.scale;
    h[3] = h[2]!;
    h[2] = h[1]!;
    h[1] = h[0]!;
    h[0] = x;
    return y;
  }
}

/**
 * The moving-window integrator: the mean of the last `width` inputs. The running sum is kept in
 * float64 and rebuilt from the window every `width` steps so rounding error cannot accumulate
 * over hours of signal.
 */
export class MovingAverage {
  private readonly buf: Float64Array;
  private pos = 0;
  private sum = 0;
  private steps = 0;

  constructor(readonly width: number) {
    if (!Number.isInteger(width) || width < 1)
      throw new RangeError(`window width must be a positive integer, got ${width}`);
    this.buf = new Float64Array(width);
  }

  step(x: number): number {
    this.sum += x - this.buf[this.pos]!;
    this.buf[this.pos] = x;
    this.pos = this.pos + 1 === this.width ? 0 : this.pos + 1;
    if (++this.steps === this.width) {
      this.steps = 0;
      let s = 0;
      for (let i = 0; i < this.width; i++) s += this.buf[i]!;
      this.sum = s;
    }
    return this.sum / this.width;
  }
}
