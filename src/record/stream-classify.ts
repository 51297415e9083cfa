// Whole-record classification over samples as they arrive: the streaming QRS detector, the beat
// cutter (src/dataset/kachuee.ts) and, for a model that takes them, the causal rhythm features
// (src/dataset/rhythm.ts) and the causal template (src/dataset/beat-template.ts) — the very objects the
// batch pipeline runs over a whole record — so with a morphology-only model the beats and labels are
// exactly classifySignal()'s, and with a rhythm or patient-relative model exactly
// classifySignal(…, { causal: true })'s.
//
// Latency: a beat is cut once its 10 s window is complete, 1.5 s more of signal has arrived (a beat
// may run past its window's end) and every R peak before the window's end is settled (about 0.5 s
// after the next beat; without one, the detector's 5 s search-back horizon). Measured with 0.1 s
// chunks on records 100, 203 and 232: median 6.6 s, 99th percentile 11.5 s, worst 14 s after the R
// peak. Causal rhythm features are decided at the next R peak, or 6 s after the beat when none comes,
// which a beat has almost always passed by the time it is cut. The exception: a window with fewer than
// two R-R intervals takes the median R-R of the whole record, which only the end of the stream knows,
// so its (at most one) beat is released at flush(); for a patient-relative model that beat joins the
// causal template then, not in its time order as in the batch causal variant (the one difference).

import { TemplateTracker } from "../dataset/beat-template.js";
import { KachueeCutter } from "../dataset/kachuee.js";
import { RhythmTracker } from "../dataset/rhythm.js";
import { PanTompkinsDetector, type PanTompkinsOptions } from "../qrs/pan-tompkins.js";
import { BEAT_LENGTH, N_CLASSES, RHYTHM_FEATURE_COUNT } from "../vocabulary.js";
import { type BeatProbabilities, classifyBeats } from "./classify.js";

export interface StreamedBeat {
  /** R-peak sample at the input rate. */
  sample: number;
  /** AAMI class 0..4 (N S V F Q). */
  label: number;
  /** The class probabilities (CLASS_NAMES order). */
  proba: Float32Array;
}

export class StreamingRecordClassifier {
  readonly fs: number;
  private readonly detector: PanTompkinsDetector;
  private readonly cutter: KachueeCutter;
  /** Causal rhythm features, for a model that takes them. */
  private readonly rhythm: RhythmTracker | undefined;
  /** The causal template, for a model on patient-relative beats. */
  private readonly template: TemplateTracker | undefined;
  private readonly classifier: BeatProbabilities;
  /** Rhythm features decided, by R-peak ordinal, until the beat's cut joins them. */
  private readonly features = new Map<number, Float32Array>();
  private rhythmOrdinal = 0;
  /** Cut beats waiting for their rhythm features. */
  private cutBeats: { ordinal: number; peak: number; beat: Float32Array }[] = [];

  constructor(
    fs: number,
    classifier: BeatProbabilities,
    opts: { detector?: Partial<PanTompkinsOptions> } = {},
  ) {
    this.fs = fs;
    this.detector = new PanTompkinsDetector(fs, opts.detector);
    this.cutter = new KachueeCutter(fs);
    this.classifier = classifier;
    this.rhythm = classifier.rhythmFeatures > 0 ? new RhythmTracker(fs, { causal: true }) : undefined;
    this.template = classifier.relative ? new TemplateTracker({ causal: true }) : undefined;
  }

  /** Feeds samples of the lead (physical units); returns the beats labelled meanwhile. */
  push(samples: ArrayLike<number>): StreamedBeat[] {
    this.addPeaks(this.detector.push(samples));
    this.cutter.addSignal(samples);
    const settled = this.detector.settledBefore;
    if (this.rhythm) this.takeFeatures(this.rhythm.advance(settled));
    this.takeBeats(this.cutter.cut(settled));
    return this.classifyReady();
  }

  /** End of the signal: every remaining beat, those that waited for the record's median R-R last. */
  flush(): StreamedBeat[] {
    this.addPeaks(this.detector.flush());
    if (this.rhythm) this.takeFeatures(this.rhythm.flush());
    this.takeBeats(this.cutter.flush());
    return this.classifyReady();
  }

  private addPeaks(peaks: number[]): void {
    this.cutter.addPeaks(peaks);
    if (this.rhythm) for (const p of peaks) this.takeFeatures(this.rhythm.push(p));
  }

  /** Beats as cut, in cut order; minus the causal template for a patient-relative model. */
  private takeBeats(cut: { ordinal: number; peak: number; beat: Float32Array }[]): void {
    // The causal tracker decides each beat as it is pushed.
    for (const b of cut)
      this.cutBeats.push(this.template ? { ...b, beat: this.template.push(b.beat)[0]! } : b);
  }

  private takeFeatures(decided: { features: Float32Array }[]): void {
    for (const d of decided) this.features.set(this.rhythmOrdinal++, d.features);
  }

  /** Labels the cut beats whose rhythm features (when the model takes them) are known. */
  private classifyReady(): StreamedBeat[] {
    const ready = this.rhythm ? this.cutBeats.filter((b) => this.features.has(b.ordinal)) : this.cutBeats;
    if (ready.length === 0) return [];
    this.cutBeats = this.rhythm ? this.cutBeats.filter((b) => !this.features.has(b.ordinal)) : [];
    const beats = new Float32Array(ready.length * BEAT_LENGTH);
    ready.forEach((b, i) => {
      beats.set(b.beat, i * BEAT_LENGTH);
    });
    let rhythm: Float32Array | undefined;
    if (this.rhythm) {
      rhythm = new Float32Array(ready.length * RHYTHM_FEATURE_COUNT);
      ready.forEach((b, i) => {
        rhythm!.set(this.features.get(b.ordinal)!, i * RHYTHM_FEATURE_COUNT);
        this.features.delete(b.ordinal);
      });
    }
    const { proba, label } = classifyBeats(this.classifier, beats, ready.length, rhythm);
    return ready.map((b, i) => ({
      sample: Math.round(b.peak),
      label: label[i]!,
      proba: proba.slice(i * N_CLASSES, (i + 1) * N_CLASSES),
    }));
  }
}

/** The streaming classifier as an async iterator over chunks of samples. */
export async function* classifyStream(
  chunks: AsyncIterable<ArrayLike<number>> | Iterable<ArrayLike<number>>,
  fs: number,
  classifier: BeatProbabilities,
  opts: { detector?: Partial<PanTompkinsOptions> } = {},
): AsyncGenerator<StreamedBeat, void, undefined> {
  const c = new StreamingRecordClassifier(fs, classifier, opts);
  for await (const chunk of chunks) yield* c.push(chunk);
  yield* c.flush();
}
