// A fixed-size window onto the most recent samples of a signal, addressed by absolute sample
// index: what lets the streaming detector look back over a QRS without keeping the record.

export class SampleHistory {
  private readonly buf: Float64Array;
  private readonly mask: number;
  private next = 0;

  /** Keeps at least `capacity` samples (rounded up to a power of two). */
  constructor(capacity: number) {
    let size = 1;
    while (size < capacity) size *= 2;
    this.buf = new Float64Array(size);
    this.mask = size - 1;
  }

  /** Appends the sample with absolute index `end` (the number pushed so far). */
  push(x: number): void {
    this.buf[this.next & this.mask] = x;
    this.next++;
  }

  /** Absolute index one past the newest sample. */
  get end(): number {
    return this.next;
  }

  /** Oldest absolute index still held. */
  get start(): number {
    return Math.max(0, this.next - this.buf.length);
  }

  /** The sample at absolute index i, which must lie in [start, end). */
  at(i: number): number {
    if (i < this.start || i >= this.next)
      throw new RangeError(`sample ${i} is outside the history [${this.start}, ${this.next})`);
    return this.buf[i & this.mask]!;
  }

  /** Index in [from, to] (clamped to what is held) of the largest value of f(sample). */
  argmax(from: number, to: number, f: (x: number) => number): number {
    const lo = Math.max(from, this.start);
    const hi = Math.min(to, this.next - 1);
    let best = lo;
    let bestV = Number.NEGATIVE_INFINITY;
    for (let i = lo; i <= hi; i++) {
      const v = f(this.buf[i & this.mask]!);
      if (v > bestV) {
        bestV = v;
        best = i;
      }
    }
    return best;
  }

  /** Median of the samples in [from, to] (clamped to what is held). */
  median(from: number, to: number): number {
    const lo = Math.max(from, this.start);
    const hi = Math.min(to, this.next - 1);
    if (hi < lo) return 0;
    const xs = new Float64Array(hi - lo + 1);
    for (let i = lo; i <= hi; i++) xs[i - lo] = this.buf[i & this.mask]!;
    xs.sort();
    const m = xs.length >> 1;
    return xs.length % 2 === 1 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
  }
}
