// The summary a clinician reads of one recording's labelled beats, computed once here for every
// output (`ecg classify` text and --json, `ecg classify --follow`, the viewer): heart rate min/mean/max
// overall and by hour, S and V beats by hour, couplets and runs (≥ 3 beats) of V and of S beats, pauses
// (R-R > 2 s), with the lead the beats come from, who labelled them and the scoring protocol used.
//
// Definitions (stated in every output that shows them):
// - heart rate: the mean is the number of R-R intervals over their total length (60 × n / Σ R-R);
//   min and max are those of the 1-minute windows (from the start of the recording) whose intervals
//   cover at least half the minute, each window's rate computed as the mean is (a Holter's "minute
//   rate", so one premature beat and its compensatory pause do not set the min or max);
// - an R-R interval belongs to the window (minute, hour) of the beat that ends it;
// - a couplet is exactly two consecutive beats of the class; a run is three or more;
// - a pause is an R-R interval longer than PAUSE_SECONDS;
// - hours are elapsed hours from the first sample.
// Artifact: segments marked unreadable (`artifacts`, from the signal-quality marking) take no part in
// rates and pauses: an R-R interval overlapping one is left out. The summary says how much was marked.
import type { ScoringProtocol } from "../eval/bxb-protocol.js";
import { CLASS_NAMES, type ClassName } from "../vocabulary.js";

/** An R-R interval longer than this (seconds) is a pause. */
export const PAUSE_SECONDS = 2;
/** Consecutive beats of one class that make a run (two make a couplet). */
export const RUN_BEATS = 3;
/** The window of the minimum and maximum heart rate (seconds). */
export const RATE_WINDOW_SECONDS = 60;
/** A rate window counts when its R-R intervals cover at least this share of it. */
export const RATE_WINDOW_COVERAGE = 0.5;
const HOUR_SECONDS = 3600;

/** The classes whose couplets and runs are counted, as the field reports them. */
export const ECTOPIC_CLASSES = ["V", "S"] as const satisfies readonly ClassName[];
export type EctopicClass = (typeof ECTOPIC_CLASSES)[number];

/** Samples from..to (inclusive) of the recording. */
export interface SampleSpan {
  from: number;
  to: number;
}

export interface SummaryBeats {
  /** R peaks (samples), increasing. */
  sample: ArrayLike<number>;
  /** AAMI class 0..4 (CLASS_NAMES order) of each beat. */
  label: ArrayLike<number>;
}

/** Where the beats come from: what a reader needs to know to trust the figures. */
export interface SummarySource {
  /** The lead the beats were detected and labelled on, e.g. "MLII", and its signal in the record. */
  lead: { name: string; signal?: number; signals?: number };
  /** Who gave the labels: the model (its file, as shown), or the reference annotations. */
  labels: { by: "model"; model: string } | { by: "reference"; annotator: string };
  /** The beat-by-beat scoring protocol, when the beats were compared with a reference. */
  protocol?: ScoringProtocol;
}

export interface SummaryOptions extends SummarySource {
  fs: number;
  /** Samples in the recording (its length), which bounds the last hour and minute. */
  length: number;
  /** Segments marked as artifact (unreadable signal): left out of rates and pauses. */
  artifacts?: readonly SampleSpan[];
}

export interface HeartRate {
  /** Beats per minute, each to 0.1. */
  min: number | null;
  mean: number;
  max: number | null;
  /** Start of the minute window of the min / max (seconds). */
  minAtSeconds: number | null;
  maxAtSeconds: number | null;
}

/** Consecutive beats of one class: a couplet (2) or a run (≥ RUN_BEATS). */
export interface Episode {
  /** First and last beat (samples). */
  start: number;
  end: number;
  startSeconds: number;
  beats: number;
  /** From the first beat to the last (seconds). */
  seconds: number;
  /** Rate within the episode, bpm (60 × (beats − 1) / seconds); null for beats given at one sample. */
  rateBpm: number | null;
}

export interface Pause {
  /** The beats before and after (samples). */
  start: number;
  end: number;
  startSeconds: number;
  seconds: number;
}

export interface HourSummary {
  /** 0 for the first hour. */
  hour: number;
  fromSeconds: number;
  /** The hour's end, or the recording's when it ends first. */
  toSeconds: number;
  beats: number;
  S: number;
  V: number;
  /** null: fewer than two beats in the hour. */
  heartRate: HeartRate | null;
}

export interface ClinicalSummary extends SummarySource {
  fs: number;
  durationSeconds: number;
  beats: number;
  counts: Record<ClassName, number>;
  /** Over the whole recording; null with fewer than two beats. */
  heartRate: HeartRate | null;
  hours: HourSummary[];
  couplets: Record<EctopicClass, Episode[]>;
  runs: Record<EctopicClass, Episode[]>;
  pauses: Pause[];
  /** Present when the recording had artifact marking: how much of it was marked. */
  artifact?: { segments: number; seconds: number };
  /** The definitions the figures follow, for a reader of the JSON. */
  definitions: typeof DEFINITIONS;
}

export const DEFINITIONS = {
  heartRate: `mean: 60 × R-R intervals / their total length; min and max: of the ${RATE_WINDOW_SECONDS}-s windows (from the recording's start) whose intervals cover at least ${RATE_WINDOW_COVERAGE * 100} % of them`,
  couplet: "exactly 2 consecutive beats of the class",
  run: `${RUN_BEATS} or more consecutive beats of the class`,
  pause: `an R-R interval longer than ${PAUSE_SECONDS} s`,
  hours: "elapsed hours from the recording's first sample",
} as const;

const CLASS_INDEX = Object.fromEntries(CLASS_NAMES.map((c, k) => [c, k])) as Record<ClassName, number>;
const round1 = (v: number): number => Math.round(v * 10) / 10;

/** R-R intervals in windows of `windowSeconds`: count and total length (samples) of those ending in each. */
class RateWindows {
  readonly count: Float64Array;
  readonly total: Float64Array;
  constructor(
    private readonly windowSamples: number,
    windows: number,
  ) {
    this.count = new Float64Array(windows);
    this.total = new Float64Array(windows);
  }
  add(endSample: number, rr: number): void {
    const w = Math.min(this.count.length - 1, Math.floor(endSample / this.windowSamples));
    this.count[w]! += 1;
    this.total[w]! += rr;
  }
}

function episodes(beats: SummaryBeats, cls: number, fs: number): Episode[] {
  const out: Episode[] = [];
  const n = beats.sample.length;
  let i = 0;
  while (i < n) {
    if (beats.label[i] !== cls) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && beats.label[j] === cls) j++;
    if (j - i >= 2) {
      const start = beats.sample[i]!;
      const end = beats.sample[j - 1]!;
      const seconds = (end - start) / fs;
      out.push({
        start,
        end,
        startSeconds: start / fs,
        beats: j - i,
        seconds,
        rateBpm: seconds > 0 ? round1((60 * (j - i - 1)) / seconds) : null,
      });
    }
    i = j;
  }
  return out;
}

function overlaps(a: number, b: number, spans: readonly SampleSpan[]): boolean {
  return spans.some((s) => s.from <= b && a <= s.to);
}

/** The rate of windows lo..hi-1 of `minutes` (their min and max) with `mean` over the same span. */
function heartRateOf(
  minutes: RateWindows,
  lo: number,
  hi: number,
  mean: { count: number; total: number },
  fs: number,
): HeartRate | null {
  if (mean.count === 0 || mean.total <= 0) return null;
  const windowSamples = RATE_WINDOW_SECONDS * fs;
  let min: number | null = null;
  let max: number | null = null;
  let minAt: number | null = null;
  let maxAt: number | null = null;
  for (let w = lo; w < hi; w++) {
    const total = minutes.total[w]!;
    if (total < RATE_WINDOW_COVERAGE * windowSamples) continue;
    const rate = (60 * fs * minutes.count[w]!) / total;
    if (min === null || rate < min) {
      min = rate;
      minAt = w * RATE_WINDOW_SECONDS;
    }
    if (max === null || rate > max) {
      max = rate;
      maxAt = w * RATE_WINDOW_SECONDS;
    }
  }
  return {
    min: min === null ? null : round1(min),
    mean: round1((60 * fs * mean.count) / mean.total),
    max: max === null ? null : round1(max),
    minAtSeconds: minAt,
    maxAtSeconds: maxAt,
  };
}

/** The clinical summary of one recording's labelled beats (see the file's header for the definitions). */
export function clinicalSummary(beats: SummaryBeats, opts: SummaryOptions): ClinicalSummary {
  const { fs } = opts;
  const n = beats.sample.length;
  const length = Math.max(opts.length, n > 0 ? beats.sample[n - 1]! + 1 : 0);
  const artifacts = opts.artifacts ?? [];
  const minuteSamples = RATE_WINDOW_SECONDS * fs;
  const minuteCount = Math.max(1, Math.ceil(length / minuteSamples));
  const hourSamples = HOUR_SECONDS * fs;
  const hourCount = Math.max(1, Math.ceil(length / hourSamples));
  const minutesPerHour = HOUR_SECONDS / RATE_WINDOW_SECONDS;
  const minutes = new RateWindows(minuteSamples, minuteCount);
  const hourRR = Array.from({ length: hourCount }, () => ({ count: 0, total: 0 }));
  const all = { count: 0, total: 0 };
  const pauses: Pause[] = [];
  const pauseSamples = PAUSE_SECONDS * fs;
  for (let i = 1; i < n; i++) {
    const a = beats.sample[i - 1]!;
    const b = beats.sample[i]!;
    const rr = b - a;
    if (rr <= 0 || overlaps(a, b, artifacts)) continue;
    minutes.add(b, rr);
    const h = Math.min(hourCount - 1, Math.floor(b / hourSamples));
    hourRR[h]!.count++;
    hourRR[h]!.total += rr;
    all.count++;
    all.total += rr;
    if (rr > pauseSamples) pauses.push({ start: a, end: b, startSeconds: a / fs, seconds: rr / fs });
  }
  const perHour = Array.from({ length: hourCount }, () => ({ beats: 0, S: 0, V: 0 }));
  for (let i = 0; i < n; i++) {
    const h = perHour[Math.min(hourCount - 1, Math.floor(beats.sample[i]! / hourSamples))]!;
    h.beats++;
    if (beats.label[i] === CLASS_INDEX.S) h.S++;
    else if (beats.label[i] === CLASS_INDEX.V) h.V++;
  }
  const hours: HourSummary[] = hourRR.map((rr, h) => ({
    hour: h,
    fromSeconds: h * HOUR_SECONDS,
    toSeconds: Math.min(length, (h + 1) * hourSamples) / fs,
    ...perHour[h]!,
    heartRate: heartRateOf(
      minutes,
      h * minutesPerHour,
      Math.min(minuteCount, (h + 1) * minutesPerHour),
      rr,
      fs,
    ),
  }));
  const counts = Object.fromEntries(CLASS_NAMES.map((c) => [c, 0])) as Record<ClassName, number>;
  for (let i = 0; i < n; i++) {
    const name = CLASS_NAMES[beats.label[i]!];
    if (name !== undefined) counts[name]++;
  }
  const couplets = {} as Record<EctopicClass, Episode[]>;
  const runs = {} as Record<EctopicClass, Episode[]>;
  for (const c of ECTOPIC_CLASSES) {
    const found = episodes(beats, CLASS_INDEX[c], fs);
    couplets[c] = found.filter((e) => e.beats === 2);
    runs[c] = found.filter((e) => e.beats >= RUN_BEATS);
  }
  return {
    lead: opts.lead,
    labels: opts.labels,
    ...(opts.protocol !== undefined ? { protocol: opts.protocol } : {}),
    fs,
    durationSeconds: length / fs,
    beats: n,
    counts,
    heartRate: heartRateOf(minutes, 0, minuteCount, all, fs),
    hours,
    couplets,
    runs,
    pauses,
    ...(opts.artifacts !== undefined
      ? {
          artifact: {
            segments: artifacts.length,
            seconds: artifacts.reduce((t, s) => t + (s.to - s.from + 1), 0) / fs,
          },
        }
      : {}),
    definitions: DEFINITIONS,
  };
}
