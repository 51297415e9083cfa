// Sample-rate conversion by a rational factor up/down with a polyphase FIR filter: a Kaiser-windowed
// sinc low-pass (β = 5, 10·max(up, down) taps each side at the upsampled rate, cut-off at the lower of
// the two Nyquist frequencies) — the design of scipy.signal.resample_poly, so a Python reference gives
// the same beats. Why this method: it is linear-phase (no shift of R peaks), band-limits properly before
// decimating (360 → 125 Hz: 25/72, cut-off 62.5 Hz), and unlike FFT resampling it does not treat the
// record as periodic, so the two ends do not bleed into each other. The ends are extended with the
// first/last sample (not zeros) so that a DC offset does not ring at the edges.

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

/** Resamples `signal` from fromHz to toHz (see the header comment for the method). */
export function resample(signal: Float32Array, fromHz: number, toHz: number): Float32Array {
  if (!(fromHz > 0) || !(toHz > 0))
    throw new RangeError(`resample: rates must be positive (${fromHz} → ${toHz})`);
  const { up, down } = resampleRatio(fromHz, toHz);
  if (up === down || signal.length === 0) return signal.slice();
  const { halfLength, taps } = designPolyphase(up, down);
  const n = signal.length;
  const nOut = Math.ceil((n * up) / down);
  // Edge-extended copy so the inner loop needs no bounds checks.
  const pad = Math.ceil(halfLength / up) + 1;
  const x = new Float64Array(n + 2 * pad);
  x.fill(signal[0]!, 0, pad);
  for (let i = 0; i < n; i++) x[pad + i] = signal[i]!;
  x.fill(signal[n - 1]!, pad + n);
  const out = new Float32Array(nOut);
  for (let m = 0; m < nOut; m++) {
    const t = m * down; // position on the upsampled grid
    const kMin = Math.ceil((t - halfLength) / up);
    const kMax = Math.floor((t + halfLength) / up);
    let acc = 0;
    // tap index t - k·up + halfLength, falling by `up` as k rises
    for (let k = kMin, j = t - kMin * up + halfLength; k <= kMax; k++, j -= up) acc += x[k + pad]! * taps[j]!;
    out[m] = acc;
  }
  return out;
}
