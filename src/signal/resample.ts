// Sample-rate conversion by a rational factor up/down with a polyphase FIR filter: a Kaiser-windowed
// sinc low-pass (β = 5, 10·max(up, down) taps each side at the upsampled rate, cut-off at the lower of
// the two Nyquist frequencies) — the design of scipy.signal.resample_poly, so a Python reference gives
// the same beats. Why this method: it is linear-phase (no shift of R peaks), band-limits properly before
// decimating (360 → 125 Hz: 25/72, cut-off 62.5 Hz), and unlike FFT resampling it does not treat the
// record as periodic, so the two ends do not bleed into each other. The ends are extended with the
// first/last sample (not zeros) so that a DC offset does not ring at the edges.
// One implementation: StreamingResampler takes samples as they arrive, and resample() is that
// resampler run over the whole signal, so batch and streaming output are the same by construction.

interface Polyphase {
  up: number;
  down: number;
  halfLength: number;
  /** The filter at the upsampled rate, centred at index halfLength, gain `up` at DC. */
  taps: Float64Array;
}

const cache = new Map<string, Polyphase>();

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** The reduced ratio toHz/fromHz as integers (rates are taken to 1 mHz). */
export function resampleRatio(fromHz: number, toHz: number): { up: number; down: number } {
  const f = Math.round(fromHz * 1000);
  const t = Math.round(toHz * 1000);
  const g = gcd(f, t);
  return { up: t / g, down: f / g };
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for β ≤ 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Kaiser-windowed sinc low-pass for an up/down conversion (scipy firwin(2L+1, 1/max, ('kaiser', 5))). */
export function designPolyphase(up: number, down: number, beta = 5): Polyphase {
  const key = `${up}/${down}/${beta}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const maxRate = Math.max(up, down);
  const halfLength = 10 * maxRate;
  const n = 2 * halfLength + 1;
  const cutoff = 0.5 / maxRate; // cycles per upsampled sample
  const taps = new Float64Array(n);
  const i0beta = besselI0(beta);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const m = i - halfLength;
    const x = 2 * cutoff * m;
    const sinc = m === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = (2 * i) / (n - 1) - 1;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0beta;
    taps[i] = 2 * cutoff * sinc * w;
    sum += taps[i]!;
  }
  // Unit gain at DC, times `up` to make up for the zeros inserted between input samples.
  for (let i = 0; i < n; i++) taps[i] = (taps[i]! / sum) * up;
  const p: Polyphase = { up, down, halfLength, taps };
  cache.set(key, p);
  return p;
}

/** Number of output samples: ceil(n·up/down), as resample_poly. */
export function resampledLength(n: number, fromHz: number, toHz: number): number {
  const { up, down } = resampleRatio(fromHz, toHz);
  return Math.ceil((n * up) / down);
}

/**
 * The resampler over samples as they arrive: output m is computed as soon as the inputs it needs are
 * in; the signal is extended with its first sample before the start and, at flush(), with its last
 * after the end. Memory: the inputs the next outputs still need (a few dozen samples).
 */
export class StreamingResampler {
  private readonly up: number;
  private readonly down: number;
  private readonly halfLength: number;
  private readonly taps: Float64Array;
  private readonly identity: boolean;
  /** Extension samples on each side: enough for the widest filter reach past either end. */
  private readonly pad: number;
  /** buf[i] is input sample base + i (negative indices: the start's extension). */
  private buf = new Float64Array(0);
  private base = 0;
  private length = 0;
  private received = 0;
  /** Next output index. */
  private m = 0;

  constructor(fromHz: number, toHz: number) {
    if (!(fromHz > 0) || !(toHz > 0))
      throw new RangeError(`resample: rates must be positive (${fromHz} → ${toHz})`);
    const { up, down } = resampleRatio(fromHz, toHz);
    this.up = up;
    this.down = down;
    this.identity = up === down;
    const p = designPolyphase(up, down);
    this.halfLength = p.halfLength;
    this.taps = p.taps;
    this.pad = Math.ceil(p.halfLength / up) + 1;
  }

  /** Feeds input samples; returns the output samples that became computable. */
  push(samples: ArrayLike<number>): Float32Array {
    if (samples.length === 0) return new Float32Array(0);
    if (this.identity) {
      this.received += samples.length;
      return Float32Array.from(samples);
    }
    if (this.received === 0) {
      this.base = -this.pad;
      this.append(samples[0]!, this.pad);
    }
    this.appendAll(samples);
    this.received += samples.length;
    // Output m needs inputs up to floor((m·down + halfLength) / up).
    let end = this.m;
    while (Math.floor((end * this.down + this.halfLength) / this.up) < this.received) end++;
    return this.compute(end);
  }

  /** End of input: the remaining outputs, the signal extended with its last sample. */
  flush(): Float32Array {
    if (this.received === 0 || this.identity) return new Float32Array(0);
    this.append(this.buf[this.length - 1]!, this.pad);
    return this.compute(Math.ceil((this.received * this.up) / this.down));
  }

  /** Outputs this.m .. end-1. */
  private compute(end: number): Float32Array {
    const { up, down, halfLength, taps, buf, base } = this;
    const out = new Float32Array(Math.max(0, end - this.m));
    for (let o = 0; this.m < end; this.m++, o++) {
      const t = this.m * down; // position on the upsampled grid
      const kMin = Math.ceil((t - halfLength) / up);
      const kMax = Math.floor((t + halfLength) / up);
      let acc = 0;
      // tap index t - k·up + halfLength, falling by `up` as k rises
      for (let k = kMin, j = t - kMin * up + halfLength; k <= kMax; k++, j -= up)
        acc += buf[k - base]! * taps[j]!;
      out[o] = acc;
    }
    return out;
  }

  private append(value: number, times: number): void {
    this.reserve(times);
    this.buf.fill(value, this.length, this.length + times);
    this.length += times;
  }

  private appendAll(samples: ArrayLike<number>): void {
    this.reserve(samples.length);
    for (let i = 0; i < samples.length; i++) this.buf[this.length + i] = samples[i]!;
    this.length += samples.length;
  }

  /** Room for n more samples, after dropping the inputs no later output needs. */
  private reserve(n: number): void {
    const need = Math.ceil((this.m * this.down - this.halfLength) / this.up);
    const drop = Math.max(0, Math.min(need - this.base, this.length));
    if (this.length + n <= this.buf.length && drop < this.buf.length / 2) return;
    const next = new Float64Array(Math.max(this.length - drop + n, 2 * (this.length - drop), 1024));
    next.set(this.buf.subarray(drop, this.length));
    this.buf = next;
    this.base += drop;
    this.length -= drop;
  }
}

/** Resamples `signal` from fromHz to toHz (see the header comment): the streaming resampler over it all. */
export function resample(signal: ArrayLike<number>, fromHz: number, toHz: number): Float32Array {
  const r = new StreamingResampler(fromHz, toHz);
  const head = r.push(signal);
  const tail = r.flush();
  if (tail.length === 0) return head;
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
