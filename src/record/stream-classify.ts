// Whole-record classification over samples as they arrive: the streaming QRS detector, the
// streaming resampler, and the Kachuee cut done window by window, so that over a whole record the
// beats, and hence their labels, are exactly those of classifySignal().
//
// Latency: a beat is cut once its 10 s window is complete, 1.5 s more of signal has arrived (a beat
// may run past its window's end) and every R peak before the window's end is settled (about 0.5 s
// after the next beat; without one, the detector's 5 s search-back horizon); then it waits for a
// batch of `batchSize` beats. Measured with batchSize 1 and 0.1 s chunks on records 100, 203 and
// 232: median 6.6 s, 99th percentile 11.5 s, worst 14 s after the R peak. The exception: a window
// with fewer than two R-R intervals inside it takes the median R-R of the whole record in the batch
// pipeline, which only the end of the stream knows, so its (at most one) beat is released at flush().
// Memory: under 12 s of resampled signal, the detector's bounded state, the undecided beats, and
// 8 bytes per beat for the record-wide R-R median that the fallback above needs.

import { PanTompkinsDetector, type PanTompkinsOptions } from "../qrs/pan-tompkins.js";
import { median } from "../signal/median.js";
import { BEAT_HZ, BEAT_LENGTH, N_CLASSES, WINDOW_SECONDS } from "../vocabulary.js";
import { type BeatProbabilities, classifyBeats } from "./classify.js";
import { StreamingResampler } from "./stream-resample.js";

export interface StreamedBeat {
  /** R-peak sample at the input rate. */
  sample: number;
  /** AAMI class 0..4 (N S V F Q). */
  label: number;
  /** The class probabilities (CLASS_NAMES order). */
  proba: Float32Array;
}

interface PendingPeak {
  sample: number;
  /** Position at 125 Hz (unrounded), as the batch pipeline computes it. */
  at: number;
}

interface DeferredBeat {
  sample: number;
  start: number;
  min: number;
  span: number;
  /** The BEAT_LENGTH resampled samples from the R peak on (fewer at the end of the record). */
  raw: Float32Array;
}

export class StreamingRecordClassifier {
  readonly fs: number;
  private readonly detector: PanTompkinsDetector;
  private readonly resampler: StreamingResampler;
  private readonly classifier: BeatProbabilities;
  private readonly batchSize: number;
  private readonly ratio: number;
  private readonly windowLength = WINDOW_SECONDS * BEAT_HZ;

  /** Resampled signal from absolute index xBase. */
  private x: number[] = [];
  private xBase = 0;
  private xCount = 0;

  private pending: PendingPeak[] = [];
  private lastAt: number | undefined;
  private readonly allRR: number[] = [];
  private readonly rrByWindow = new Map<number, number[]>();
  private nextWindow = 0;
  private deferred: DeferredBeat[] = [];

  private readySamples: number[] = [];
  private readyBeats: Float32Array[] = [];

  constructor(
    fs: number,
    classifier: BeatProbabilities,
    opts: { batchSize?: number; detector?: Partial<PanTompkinsOptions> } = {},
  ) {
    this.fs = fs;
    this.detector = new PanTompkinsDetector(fs, opts.detector);
    this.resampler = new StreamingResampler(fs, BEAT_HZ);
    this.classifier = classifier;
    this.batchSize = opts.batchSize ?? 64;
    this.ratio = BEAT_HZ / fs;
  }

  /** Feeds samples of the lead (physical units); returns the beats labelled meanwhile. */
  push(samples: ArrayLike<number>): StreamedBeat[] {
    this.addPeaks(this.detector.push(samples));
    this.addSignal(this.resampler.push(samples));
    this.finishWindows(false);
    return this.classifyReady(false);
  }

  /** End of the signal: every remaining beat, the deferred ones last. */
  flush(): StreamedBeat[] {
    this.addPeaks(this.detector.flush());
    this.addSignal(this.resampler.flush());
    this.finishWindows(true);
    this.releaseDeferred();
    return this.classifyReady(true);
  }

  private addPeaks(peaks: number[]): void {
    for (const sample of peaks) {
      const at = sample * this.ratio;
      if (this.lastAt !== undefined) {
        const rr = at - this.lastAt;
        this.allRR.push(rr);
        const w = Math.floor(this.lastAt / this.windowLength);
        if (Math.floor(at / this.windowLength) === w) {
          const list = this.rrByWindow.get(w);
          if (list) list.push(rr);
          else this.rrByWindow.set(w, [rr]);
        }
      }
      this.lastAt = at;
      this.pending.push({ sample, at });
    }
  }

  private addSignal(values: Float32Array): void {
    for (let i = 0; i < values.length; i++) this.x.push(values[i]!);
    this.xCount += values.length;
  }

  private xAt(i: number): number {
    return this.x[i - this.xBase]!;
  }

  private finishWindows(atEnd: boolean): void {
    const L = this.windowLength;
    const nWindows = Math.ceil(this.xCount / L);
    for (;;) {
      const w = this.nextWindow;
      const end = (w + 1) * L;
      if (atEnd) {
        if (w >= nWindows) break;
      } else if (this.xCount < end + BEAT_LENGTH || this.detector.settledBefore * this.ratio < end) {
        break;
      }
      this.finishWindow(w, atEnd);
      this.nextWindow++;
      // Samples before the next window are no longer needed.
      const drop = Math.min(end, this.xCount) - this.xBase;
      if (drop > 0) {
        this.x = this.x.slice(drop);
        this.xBase += drop;
      }
    }
  }

  private finishWindow(w: number, atEnd: boolean): void {
    const L = this.windowLength;
    const n = this.xCount; // the record's length once atEnd; otherwise at least a beat past the window
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = w * L; i < Math.min(n, (w + 1) * L); i++) {
      const v = this.xAt(i);
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const span = max - min;
    const rr = this.rrByWindow.get(w);
    this.rrByWindow.delete(w);
    const windowT = rr && rr.length > 0 ? median(rr) : undefined;
    while (this.pending.length > 0) {
      const p = this.pending[0]!;
      const start = Math.round(p.at);
      if (Math.floor(start / L) !== w && !(atEnd && start >= n)) break;
      this.pending.shift();
      if (start < 0 || start >= n) continue;
      if (windowT === undefined) {
        const raw = new Float32Array(Math.min(BEAT_LENGTH, n - start));
        for (let j = 0; j < raw.length; j++) raw[j] = this.xAt(start + j);
        this.deferred.push({ sample: p.sample, start, min, span, raw });
        continue;
      }
      this.readySamples.push(p.sample);
      this.readyBeats.push(
        this.cut(
          start,
          Math.min(BEAT_LENGTH, Math.round(1.2 * windowT)),
          min,
          span,
          (j) => this.xAt(start + j),
          n,
        ),
      );
    }
  }

  private cut(
    start: number,
    length: number,
    min: number,
    span: number,
    value: (j: number) => number,
    n: number,
  ): Float32Array {
    const beat = new Float32Array(BEAT_LENGTH);
    const end = Math.min(length, n - start);
    for (let j = 0; j < end; j++) {
      const v = span > 0 ? (value(j) - min) / span : 0;
      beat[j] = Math.min(1, Math.max(0, v));
    }
    return beat;
  }

  private releaseDeferred(): void {
    const recordT = this.allRR.length > 0 ? median(this.allRR.slice()) : BEAT_LENGTH / 1.2;
    const length = Math.min(BEAT_LENGTH, Math.round(1.2 * recordT));
    for (const d of this.deferred) {
      this.readySamples.push(d.sample);
      this.readyBeats.push(
        this.cut(d.start, length, d.min, d.span, (j) => d.raw[j]!, d.start + d.raw.length),
      );
    }
    this.deferred = [];
  }

  private classifyReady(all: boolean): StreamedBeat[] {
    const out: StreamedBeat[] = [];
    while (this.readyBeats.length >= this.batchSize || (all && this.readyBeats.length > 0)) {
      const count = Math.min(this.batchSize, this.readyBeats.length);
      const beats = new Float32Array(count * BEAT_LENGTH);
      for (let i = 0; i < count; i++) beats.set(this.readyBeats[i]!, i * BEAT_LENGTH);
      const { proba, label } = classifyBeats(this.classifier, beats, count, count);
      for (let i = 0; i < count; i++) {
        out.push({
          sample: this.readySamples[i]!,
          label: label[i]!,
          proba: proba.slice(i * N_CLASSES, (i + 1) * N_CLASSES),
        });
      }
      this.readyBeats = this.readyBeats.slice(count);
      this.readySamples = this.readySamples.slice(count);
    }
    return out;
  }
}

/** The streaming classifier as an async iterator over chunks of samples. */
export async function* classifyStream(
  chunks: AsyncIterable<ArrayLike<number>> | Iterable<ArrayLike<number>>,
  fs: number,
  classifier: BeatProbabilities,
  opts: { batchSize?: number; detector?: Partial<PanTompkinsOptions> } = {},
): AsyncGenerator<StreamedBeat, void, undefined> {
  const c = new StreamingRecordClassifier(fs, classifier, opts);
  for await (const chunk of chunks) yield* c.push(chunk);
  yield* c.flush();
}
