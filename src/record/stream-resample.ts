// The polyphase resampler of src/signal/resample.ts run over samples as they arrive: the same taps,
// the same edge extension (the first sample before the start, the last after the end, known at
// flush) and the same order of multiply-adds, so its output is bit-for-bit the batch output.
import { designPolyphase, resampleRatio } from "../signal/resample.js";

export class StreamingResampler {
  private readonly up: number;
  private readonly down: number;
  private readonly halfLength: number;
  private readonly taps: Float64Array;
  private readonly identity: boolean;
  /** Input samples kept, from absolute index `base`. */
  private buf: number[] = [];
  private base = 0;
  private received = 0;
  private first = 0;
  /** Next output index. */
  private m = 0;

  constructor(fromHz: number, toHz: number) {
    const { up, down } = resampleRatio(fromHz, toHz);
    this.up = up;
    this.down = down;
    this.identity = up === down;
    const p = designPolyphase(up, down);
    this.halfLength = p.halfLength;
    this.taps = p.taps;
  }

  /** Feeds input samples; returns the output samples that became computable. */
  push(samples: ArrayLike<number>): Float32Array {
    if (samples.length === 0) return new Float32Array(0);
    if (this.received === 0) this.first = samples[0]!;
    for (let i = 0; i < samples.length; i++) this.buf.push(samples[i]!);
    this.received += samples.length;
    if (this.identity) return this.drainIdentity();
    const out: number[] = [];
    // Output m needs inputs up to floor((m·down + halfLength) / up).
    while (Math.floor((this.m * this.down + this.halfLength) / this.up) < this.received)
      out.push(this.compute(this.m++, -1));
    this.trim();
    return Float32Array.from(out);
  }

  /** End of input: the remaining outputs, the signal extended with its last sample. */
  flush(): Float32Array {
    if (this.received === 0) return new Float32Array(0);
    if (this.identity) return this.drainIdentity();
    const nOut = Math.ceil((this.received * this.up) / this.down);
    const last = this.buf[this.buf.length - 1]!;
    const out: number[] = [];
    while (this.m < nOut) out.push(this.compute(this.m++, last));
    return Float32Array.from(out);
  }

  private drainIdentity(): Float32Array {
    const out = Float32Array.from(this.buf);
    this.base += this.buf.length;
    this.buf = [];
    return out;
  }

  private at(k: number, last: number): number {
    if (k < 0) return this.first;
    if (k >= this.received) return last;
    return this.buf[k - this.base]!;
  }

  private compute(m: number, last: number): number {
    const { up, halfLength, taps } = this;
    const t = m * this.down;
    const kMin = Math.ceil((t - halfLength) / up);
    const kMax = Math.floor((t + halfLength) / up);
    let acc = 0;
    for (let k = kMin, j = t - kMin * up + halfLength; k <= kMax; k++, j -= up)
      acc += this.at(k, last) * taps[j]!;
    return acc;
  }

  /** Drops inputs no later output needs. */
  private trim(): void {
    const need = Math.ceil((this.m * this.down - this.halfLength) / this.up);
    const drop = Math.min(need - this.base, this.buf.length - 1);
    if (drop > 4096) {
      this.buf = this.buf.slice(drop);
      this.base += drop;
    }
  }
}
