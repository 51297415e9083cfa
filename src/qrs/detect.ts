// Batch QRS detection over a whole signal: the streaming detector run over every sample, so the
// result is exactly what the stream gives.
import { PanTompkinsDetector, type PanTompkinsOptions } from "./pan-tompkins.js";

/** R-peak sample indices (increasing) of one lead sampled at fs Hz, in physical units (mV). */
export function detectQrs(
  signal: ArrayLike<number>,
  fs: number,
  options: Partial<PanTompkinsOptions> = {},
): Int32Array {
  const detector = new PanTompkinsDetector(fs, options);
  const peaks = detector.push(signal);
  peaks.push(...detector.flush());
  return Int32Array.from(peaks);
}
