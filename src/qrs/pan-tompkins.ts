// QRS detection after Pan J, Tompkins WJ, "A real-time QRS detection algorithm",
// IEEE Trans Biomed Eng 32(3):230-236, 1985, with the rate-tracking refinements of
// Hamilton PS, Tompkins WJ, "Quantitative investigation of QRS detection rules using the
// MIT/BIH arrhythmia database", IEEE Trans Biomed Eng 33(12):1157-1165, 1986.
//
// The detector is incremental: push() takes samples as they arrive and returns the R peaks it
// has decided on; a whole record is the same push over all its samples (see detect.ts), so the
// streaming and batch results are equal by construction. Memory is bounded (fixed-size sample
// histories and a capped list of undecided candidates). Latency: a beat found by the main rule is
// reported at most `detectionDelay` samples after its R peak (169 samples, 0.47 s, at 360 Hz: the
// integration window, the band-pass delay, the R-peak search and the 200 ms peak neighbourhood); a
// beat recovered by search-back when the next beat arrives or when the search interval (1.66 times
// the recent RR average) plus that delay has passed; the first beats wait out the 2 s learning
// stretch. `ecg classify --follow` drives it (src/record/stream-classify.ts).
//
// Signal chain, as in the paper but with properly designed filters at any sampling rate:
//   band-pass (Butterworth high-pass + low-pass)  ->  five-point derivative  ->  squaring
//   ->  moving-window integration (150 ms).
// Each local maximum of the integrated signal is a candidate; it is a QRS when it exceeds the
// adaptive thresholds on both the integrated and the band-passed signal, is outside the 200 ms
// refractory period and, within 360 ms of the previous QRS, is not a T wave (a T wave's maximal
// slope is under half the previous QRS's). If no QRS is found for 166 % of the recent RR average,
// search-back takes the largest candidate over the lower thresholds.
import {
  type Biquad,
  butterworth,
  FivePointDerivative,
  groupDelay,
  MovingAverage,
  SosFilter,
} from "./filters.js";
import { SampleHistory } from "./history.js";

export interface PanTompkinsOptions {
  /** Band-pass edges (Hz); the paper's integer filters pass about 5-11 Hz at 200 Hz. */
  bandLowHz: number;
  bandHighHz: number;
  /** Order of each of the high-pass and low-pass Butterworth filters. */
  filterOrder: number;
  /** A candidate peak of the integrated signal must be the largest within this distance (ms). */
  peakNeighbourhoodMs: number;
  /** Moving-window integration width (ms). */
  integrationMs: number;
  /** No second QRS within this time of a QRS (ms). */
  refractoryMs: number;
  /** Window after a QRS in which a candidate may be a T wave (ms). */
  tWaveMs: number;
  /** A candidate within tWaveMs whose maximal slope is below this fraction of the last QRS's is a T wave. */
  tWaveSlopeRatio: number;
  /**
   * ...and whose band-passed amplitude is below this fraction of the last QRS's: an early ectopic
   * beat (aberrant APC, VEB) has a slow slope too but a QRS-sized deflection, a T wave does not.
   */
  tWaveAmplitudeRatio: number;
  /** Search back when no QRS has been found for this multiple of the RR average. */
  searchBackFactor: number;
  /** After a search-back finds nothing, the signal levels move this fraction of the way back from the noise levels (1 = no change). */
  decayOnMiss: number;
  /** Search-back never reaches further back than this (ms). */
  searchBackHorizonMs: number;
  /** Signal and noise peak levels are first estimated over this initial stretch (ms). */
  learningMs: number;
  /** Threshold = noise level + this fraction of (signal level - noise level). */
  thresholdFraction: number;
  /** Whether to halve the thresholds while the rhythm is irregular (as the paper does). */
  halveWhenIrregular: boolean;
}

export const PAN_TOMPKINS_DEFAULTS: Readonly<PanTompkinsOptions> = Object.freeze({
  bandLowHz: 5,
  bandHighHz: 15,
  filterOrder: 2,
  integrationMs: 150,
  peakNeighbourhoodMs: 200,
  refractoryMs: 200,
  tWaveMs: 360,
  tWaveSlopeRatio: 0.5,
  tWaveAmplitudeRatio: 0.5,
  searchBackFactor: 1.66,
  learningMs: 2000,
  searchBackHorizonMs: 5000,
  decayOnMiss: 1,
  thresholdFraction: 0.25,
  halveWhenIrregular: true,
});

/** One local maximum of the integrated signal, with what the decision rules need. */
export interface Candidate {
  /** Height of the integrated-signal peak. */
  peakI: number;
  /** Largest |band-passed| value over the QRS window. */
  peakF: number;
  /** Largest |derivative| over the QRS window (for T-wave discrimination). */
  slope: number;
  /** Estimated R-peak sample in the input signal. */
  r: number;
}

/** Undecided candidates older than this are dropped, so memory stays bounded in asystole or noise. */
const MAX_PENDING = 512;
const RR_COUNT = 8;

export class PanTompkinsDetector {
  readonly fs: number;
  readonly options: Readonly<PanTompkinsOptions>;
  /** Worst-case delay (samples) from an R peak to its report for beats found by the main rule. */
  readonly detectionDelay: number;

  /** Called with each candidate and what became of it (for diagnostics). */
  trace: ((c: Readonly<Candidate>, verdict: string) => void) | undefined;

  private readonly bandPass: SosFilter;
  private readonly baseline: SosFilter;
  private readonly derivative: FivePointDerivative;
  private readonly integrator: MovingAverage;
  private readonly raw: SampleHistory;
  private readonly band: SampleHistory;
  private readonly slope: SampleHistory;

  private readonly width: number;
  private readonly refractory: number;
  private readonly tWave: number;
  private readonly bandDelay: number;
  private readonly locateHalf: number;

  private n = 0;
  private offset = 0;
  private lastValid = 0;
  private prevI = 0;
  private rising = false;
  private peak: Candidate | undefined;
  private peakAt = 0;
  private readonly neighbourhood: number;
  private readonly horizon: number;

  private learning = true;
  private readonly learnEnd: number;
  private learnMaxI = 0;
  private learnSumI = 0;
  private learnMaxF = 0;
  private learnSumF = 0;
  private readonly pendingLearning: Candidate[] = [];

  private spki = 0;
  private npki = 0;
  private spkf = 0;
  private npkf = 0;
  private irregular = false;

  private readonly rr1: number[] = [];
  private readonly rr2: number[] = [];
  private rrAvg1: number;
  private rrAvg2: number;
  private outOfLimits = 0;

  private last: Candidate | undefined;
  private failedSearches = 0;
  private noise: Candidate[] = [];
  private out: number[] = [];

  constructor(fs: number, options: Partial<PanTompkinsOptions> = {}) {
    if (!(fs > 0)) throw new RangeError(`sampling frequency must be positive, got ${fs}`);
    this.fs = fs;
    this.options = Object.freeze({ ...PAN_TOMPKINS_DEFAULTS, ...options });
    const o = this.options;
    const sections: Biquad[] = [
      ...butterworth("highpass", o.filterOrder, o.bandLowHz, fs),
      ...butterworth("lowpass", o.filterOrder, o.bandHighHz, fs),
    ];
    this.bandPass = new SosFilter(sections);
    // A gentle 0.5 Hz high-pass for locating the R peak on the input itself: it removes baseline
    // wander while shifting QRS frequencies by well under a sample.
    this.baseline = new SosFilter(butterworth("highpass", 1, 0.5, fs));
    this.derivative = new FivePointDerivative(fs);
    this.width = Math.max(1, Math.round((o.integrationMs * fs) / 1000));
    this.integrator = new MovingAverage(this.width);
    this.neighbourhood = Math.round((o.peakNeighbourhoodMs * fs) / 1000);
    this.horizon = Math.round((o.searchBackHorizonMs * fs) / 1000);
    this.refractory = Math.round((o.refractoryMs * fs) / 1000);
    this.tWave = Math.round((o.tWaveMs * fs) / 1000);
    this.bandDelay = Math.round(groupDelay(sections, Math.sqrt(o.bandLowHz * o.bandHighHz), fs));
    this.locateHalf = Math.round(0.075 * fs);
    const keep = this.width + this.bandDelay + 4 * this.locateHalf + Math.round(0.2 * fs);
    this.raw = new SampleHistory(keep);
    this.band = new SampleHistory(keep);
    this.slope = new SampleHistory(keep);
    this.learnEnd = Math.round((o.learningMs * fs) / 1000);
    this.rrAvg1 = fs;
    this.rrAvg2 = fs;
    this.detectionDelay = this.width + this.bandDelay + this.locateHalf + this.neighbourhood + 3;
  }

  /**
   * Every R peak before this sample has been reported: later reports all lie at or after it
   * (undecided candidates, the peak being confirmed, and signal not yet measured).
   */
  get settledBefore(): number {
    if (this.learning) return 0;
    let t = this.n - this.detectionDelay;
    if (this.noise.length > 0) t = Math.min(t, this.noise[0]!.r);
    if (this.peak !== undefined) t = Math.min(t, this.peak.r);
    return Math.max(0, t);
  }

  /** Samples consumed so far. */
  get samplesSeen(): number {
    return this.n;
  }

  /** Feeds samples (physical units); returns the R peaks decided on meanwhile, in increasing order. */
  push(samples: ArrayLike<number>): number[] {
    for (let i = 0; i < samples.length; i++) this.step(samples[i]!);
    const found = this.out;
    this.out = [];
    return found;
  }

  /** End of the signal: decides what a record shorter than the learning stretch left pending. */
  flush(): number[] {
    if (this.learning) this.endLearning();
    const found = this.out;
    this.out = [];
    return found;
  }

  private step(x: number): void {
    const n = this.n++;
    // Invalid samples (NaN) hold the last valid value rather than poison the filters.
    if (Number.isFinite(x)) this.lastValid = x;
    // Start the filters as if the signal had always been at its first value (no start-up transient).
    if (n === 0) this.offset = this.lastValid;
    const v = this.lastValid - this.offset;
    const b = this.bandPass.step(v);
    const d = this.derivative.step(b);
    const mwi = this.integrator.step(d * d);
    this.raw.push(this.baseline.step(v));
    this.band.push(b);
    this.slope.push(d);

    if (this.learning) {
      if (mwi > this.learnMaxI) this.learnMaxI = mwi;
      this.learnSumI += mwi;
      const ab = Math.abs(b);
      if (ab > this.learnMaxF) this.learnMaxF = ab;
      this.learnSumF += ab;
    }

    // Candidates are the local maxima of the integrated signal that no larger one follows within
    // the peak neighbourhood: ripples and a P wave just ahead of a larger QRS merge into one peak.
    if (mwi > this.prevI) this.rising = true;
    else if (mwi < this.prevI && this.rising) {
      this.rising = false;
      if (this.peak === undefined || this.prevI > this.peak.peakI) {
        this.peak = this.candidateAt(n - 1, this.prevI);
        this.peakAt = n - 1;
      }
    }
    this.prevI = mwi;
    if (this.peak !== undefined && n - this.peakAt > this.neighbourhood) {
      const c = this.peak;
      this.peak = undefined;
      this.onCandidate(c);
    }

    if (this.learning) {
      if (n + 1 >= this.learnEnd) this.endLearning();
    } else {
      this.maybeSearchBack(n);
    }
  }

  /** Measures the candidate whose integrated signal peaks at sample c. */
  private candidateAt(c: number, peakI: number): Candidate {
    // The integrator at c sums the squared derivative over [c - width + 1, c]; the band-passed
    // QRS lies about 2 samples (the derivative's delay) earlier.
    const from = c - this.width - 2;
    const to = c;
    let peakF = 0;
    let at = from;
    let slope = 0;
    for (let i = Math.max(from, this.band.start); i <= to; i++) {
      const ab = Math.abs(this.band.at(i));
      if (ab > peakF) {
        peakF = ab;
        at = i;
      }
      const as = Math.abs(this.slope.at(i));
      if (as > slope) slope = as;
    }
    // The band-pass delays the QRS by its group delay; look for the R peak on the input around there.
    // The isoelectric level is the median over a stretch twice as wide as the search (the QRS
    // fills less than half of it), so a residual baseline offset cannot make an S wave win.
    const centre = at - this.bandDelay;
    const level = this.raw.median(centre - 2 * this.locateHalf, centre + 2 * this.locateHalf);
    const r = this.raw.argmax(centre - this.locateHalf, centre + this.locateHalf, (v) => Math.abs(v - level));
    return { peakI, peakF, slope, r };
  }

  private endLearning(): void {
    const count = Math.max(1, Math.min(this.n, this.learnEnd));
    this.spki = this.learnMaxI / 3;
    this.npki = this.learnSumI / count / 2;
    this.spkf = this.learnMaxF / 3;
    this.npkf = this.learnSumF / count / 2;
    this.learning = false;
    for (const c of this.pendingLearning) this.decide(c);
    this.pendingLearning.length = 0;
  }

  private onCandidate(c: Candidate): void {
    if (this.learning) this.pendingLearning.push(c);
    else this.decide(c);
  }

  private thresholds(): { i1: number; f1: number } {
    const f = this.options.thresholdFraction;
    let i1 = this.npki + f * (this.spki - this.npki);
    let f1 = this.npkf + f * (this.spkf - this.npkf);
    if (this.irregular && this.options.halveWhenIrregular) {
      i1 /= 2;
      f1 /= 2;
    }
    return { i1, f1 };
  }

  private isTWave(c: Candidate): boolean {
    const last = this.last;
    return (
      last !== undefined &&
      c.r - last.r < this.tWave &&
      c.slope < this.options.tWaveSlopeRatio * last.slope &&
      c.peakF < this.options.tWaveAmplitudeRatio * last.peakF
    );
  }

  private decide(c: Candidate): void {
    if (this.last !== undefined && c.r - this.last.r < this.refractory) {
      this.trace?.(c, "refractory");
      return;
    }
    // A beat after too long a gap: look back for the one missed in between before judging it.
    if (this.last !== undefined && c.r - this.last.r > this.searchBackInterval()) {
      this.searchBack(c.r);
      if (c.r - this.last.r < this.refractory) {
        this.trace?.(c, "refractory");
        return;
      }
    }
    const { i1, f1 } = this.thresholds();
    if (c.peakI > i1 && c.peakF > f1) {
      if (this.isTWave(c)) {
        this.trace?.(c, "t-wave");
        this.addNoise(c);
      } else {
        this.trace?.(c, `qrs i1=${i1.toPrecision(3)} f1=${f1.toPrecision(3)}`);
        this.accept(c, false);
      }
    } else {
      this.trace?.(c, `noise i1=${i1.toPrecision(3)} f1=${f1.toPrecision(3)}`);
      this.addNoise(c);
    }
  }

  private addNoise(c: Candidate): void {
    this.npki = 0.125 * c.peakI + 0.875 * this.npki;
    this.npkf = 0.125 * c.peakF + 0.875 * this.npkf;
    this.noise.push(c);
    if (this.noise.length > MAX_PENDING) this.noise.shift();
  }

  private accept(c: Candidate, searchBack: boolean): void {
    const w = searchBack ? 0.25 : 0.125;
    this.spki = w * c.peakI + (1 - w) * this.spki;
    this.spkf = w * c.peakF + (1 - w) * this.spkf;
    if (this.last !== undefined) this.updateRR(c.r - this.last.r);
    this.last = c;
    this.failedSearches = 0;
    this.noise = [];
    this.out.push(c.r);
  }

  private updateRR(rr: number): void {
    this.rr1.push(rr);
    if (this.rr1.length > RR_COUNT) this.rr1.shift();
    this.rrAvg1 = mean(this.rr1);
    const inLimits = rr >= 0.92 * this.rrAvg2 && rr <= 1.16 * this.rrAvg2;
    if (inLimits) {
      this.rr2.push(rr);
      if (this.rr2.length > RR_COUNT) this.rr2.shift();
      this.rrAvg2 = mean(this.rr2);
      this.outOfLimits = 0;
    } else if (++this.outOfLimits >= RR_COUNT) {
      // A lasting change of rate: the regular-beat average follows the plain one rather than stick.
      this.rr2.splice(0, this.rr2.length, ...this.rr1);
      this.rrAvg2 = this.rrAvg1;
      this.outOfLimits = 0;
    }
    this.irregular = !inLimits;
  }

  private searchBackInterval(): number {
    return this.options.searchBackFactor * this.rrAvg2;
  }

  /** Time-triggered search-back: no QRS for searchBackFactor × the RR average. */
  private maybeSearchBack(n: number): void {
    // Candidates too old for search-back to recover are forgotten: this bounds the latency of
    // every report (and what a streaming consumer must wait for), not only the memory.
    while (this.noise.length > 0 && this.noise[0]!.r < n - this.detectionDelay - this.horizon)
      this.noise.shift();
    const last = this.last;
    if (last === undefined) return;
    // Search only once every candidate of the interval has been measured, i.e. detectionDelay
    // after the interval ends in R-peak time.
    if (n - this.detectionDelay - last.r <= this.searchBackInterval() * (this.failedSearches + 1)) return;
    if (this.searchBack(Number.POSITIVE_INFINITY)) {
      this.maybeSearchBack(n);
      return;
    }
    // Nothing over the lower thresholds: the QRS may have shrunk (electrode trouble, a change of
    // axis). Optionally let the signal levels sink toward the noise levels, and look again after
    // another interval.
    this.failedSearches++;
    this.spki = this.npki + this.options.decayOnMiss * (this.spki - this.npki);
    this.spkf = this.npkf + this.options.decayOnMiss * (this.spkf - this.npkf);
  }

  /**
   * Takes the largest candidate since the last QRS (and at least the refractory period before
   * `before`) that exceeds the lower thresholds (half the main ones) as a QRS; true if one was found.
   */
  private searchBack(before: number): boolean {
    const last = this.last!;
    const { i1, f1 } = this.thresholds();
    const i2 = i1 / 2;
    const f2 = f1 / 2;
    let best = -1;
    for (let k = 0; k < this.noise.length; k++) {
      const c = this.noise[k]!;
      if (c.r - last.r < this.refractory || before - c.r < this.refractory) continue;
      if (c.peakI <= i2 || c.peakF <= f2 || this.isTWave(c)) continue;
      if (best < 0 || c.peakI > this.noise[best]!.peakI) best = k;
    }
    if (best < 0) return false;
    const later = this.noise.slice(best + 1);
    this.trace?.(this.noise[best]!, "search-back");
    this.accept(this.noise[best]!, true);
    // Candidates after the recovered beat were judged against the wrong beat; judge them again.
    for (const c of later) this.decide(c);
    return true;
  }
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}
