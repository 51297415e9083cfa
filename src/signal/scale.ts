// Amplitude scaling of a window to [0, 1], as Kachuee et al. 2018 normalise each 10 s window.

/** Min and max of signal[start, end). */
export function range(
  signal: ArrayLike<number>,
  start = 0,
  end = signal.length,
): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = start; i < end; i++) {
    const v = signal[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Maps signal[start, end) linearly onto [0, 1] in place; a flat window becomes all zeros. */
export function scaleToUnit(signal: Float32Array, start = 0, end = signal.length): void {
  const { min, max } = range(signal, start, end);
  const span = max - min;
  for (let i = start; i < end; i++) signal[i] = span > 0 ? (signal[i]! - min) / span : 0;
}
