// The QRS detector over samples as they arrive: an async iterator and a Node Transform stream.
// Both drive the same PanTompkinsDetector as detectQrs(), so over a whole record they give exactly
// the batch result. Memory is bounded (the detector keeps under a second of filtered signal and a
// capped candidate list). Latency: a beat found by the main rule is reported at most
// `detector.detectionDelay` samples after its R peak (169 samples, 0.47 s, at 360 Hz: the
// integration window, the band-pass delay, the R-peak search and the 200 ms peak neighbourhood);
// a beat recovered by search-back is reported when the next beat arrives or when the search
// interval (1.66 times the recent RR average after the previous beat) plus that delay has passed;
// the first beats wait out the 2 s learning stretch.
import { Transform, type TransformCallback } from "node:stream";
import { PanTompkinsDetector, type PanTompkinsOptions } from "./pan-tompkins.js";

/** R-peak samples (absolute, increasing) from chunks of one lead (physical units) at fs Hz. */
export async function* detectQrsStream(
  chunks: AsyncIterable<ArrayLike<number>> | Iterable<ArrayLike<number>>,
  fs: number,
  options: Partial<PanTompkinsOptions> = {},
): AsyncGenerator<number, void, undefined> {
  const detector = new PanTompkinsDetector(fs, options);
  for await (const chunk of chunks) yield* detector.push(chunk);
  yield* detector.flush();
}

/**
 * An object-mode Transform: write chunks of samples (Float32Array, number[]...), read R-peak sample
 * indices (numbers) as they are decided.
 */
export function qrsTransform(fs: number, options: Partial<PanTompkinsOptions> = {}): Transform {
  const detector = new PanTompkinsDetector(fs, options);
  return new Transform({
    objectMode: true,
    transform(chunk: ArrayLike<number>, _enc: BufferEncoding, done: TransformCallback) {
      for (const r of detector.push(chunk)) this.push(r);
      done();
    },
    flush(done: TransformCallback) {
      for (const r of detector.flush()) this.push(r);
      done();
    },
  });
}
