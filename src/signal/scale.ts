// Amplitude scaling to [0, 1], as Kachuee et al. 2018 normalise each 10 s window (the beat cutter,
// src/dataset/kachuee.ts, scales each beat by the range of the window holding its R peak).

/** Min and max of signal[start, end) (NaN samples are skipped). */
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

/**
 * Maps values[start, end) linearly from [min, max] onto [0, 1] in place, clipped to [0, 1] (a beat
 * may run past the window whose range scales it); a flat range (max = min) gives zeros.
 */
export function scaleToUnit(
  values: Float32Array,
  min: number,
  max: number,
  start = 0,
  end = values.length,
): void {
  const span = max - min;
  for (let i = start; i < end; i++) {
    const v = span > 0 ? (values[i]! - min) / span : 0;
    values[i] = Math.min(1, Math.max(0, v));
  }
}
