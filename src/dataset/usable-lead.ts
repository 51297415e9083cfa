// Whether beats can come from a record's lead: the one check every command that cuts or detects
// beats makes (data build, classify, detect, compare --detect, view --model), so that a flat lead, a
// lead of invalid samples or a wrong sampling frequency is an error naming the record, never a
// labelled dataset of zeros.
import { UserError } from "../errors.js";
import { median } from "../signal/median.js";
import { resampleRatio } from "../signal/resample.js";
import { BEAT_HZ, BEAT_LENGTH } from "../vocabulary.js";
import { HEADER_LIMITS } from "../wfdb/header.js";

/**
 * The sampling frequencies beats are cut from, Hz: below the lower bound the QRS detector's 5–15 Hz
 * band does not fit under Nyquist; the resampler's ratio to BEAT_HZ must stay coarse enough for its
 * filter (10 taps per unit of the larger term, each side) to be small.
 */
export const USABLE_RATE = { minHz: 50, maxHz: HEADER_LIMITS.maxFrequency, maxRatioTerm: 200_000 } as const;

/** The median R-R intervals a heart can have, in seconds (400 to 15 beats a minute). */
export const PLAUSIBLE_RR_SECONDS = { min: 0.15, max: 4 } as const;

/** What a message names: "record 100, lead MLII", and the file to blame. */
export interface LeadName {
  record: string;
  lead: string;
  file: string;
}

const where = (n: LeadName): string => `record ${n.record}: lead ${n.lead}`;

/**
 * What is wrong with cutting beats at `fs` Hz — outside USABLE_RATE, or a rate the resampler cannot
 * bring to BEAT_HZ — or undefined when nothing is. The one rate check: a record's header and the rate
 * given for samples on a stream (`ecg classify --follow --fs`) both go through it.
 */
export function unusableRate(fs: number): string | undefined {
  if (!(fs >= USABLE_RATE.minHz && fs <= USABLE_RATE.maxHz))
    return `a sampling frequency of ${fs} Hz is outside the ${USABLE_RATE.minHz}–${USABLE_RATE.maxHz} Hz beats are cut from`;
  const { up, down } = resampleRatio(fs, BEAT_HZ);
  if (Math.max(up, down) > USABLE_RATE.maxRatioTerm)
    return `${fs} Hz cannot be resampled to ${BEAT_HZ} Hz (a ratio of ${up}/${down}); round the frequency`;
  return undefined;
}

/**
 * Refuses a lead no beat can come from: a sampling frequency outside USABLE_RATE (or one that the
 * resampler cannot bring to BEAT_HZ), invalid (NaN) or infinite samples, a flat signal.
 */
export function checkUsableLead(signal: Float32Array, fs: number, name: LeadName): void {
  const rate = unusableRate(fs);
  if (rate !== undefined) throw new UserError(`${where(name)}: ${rate}`, name.file);
  let invalid = 0;
  let firstInvalid = -1;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < signal.length; i++) {
    const v = signal[i]!;
    if (!Number.isFinite(v)) {
      if (firstInvalid < 0) firstInvalid = i;
      invalid++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (signal.length > 0 && invalid === signal.length)
    throw new UserError(`${where(name)}: every sample is invalid; no beats`, name.file);
  if (invalid > 0)
    throw new UserError(
      `${where(name)}: ${invalid} invalid sample${invalid > 1 ? "s" : ""}, the first at sample ${firstInvalid}; beats are not cut across them`,
      name.file,
    );
  if (signal.length > 0 && max === min)
    throw new UserError(`${where(name)}: the signal is flat (every sample is ${min}); no beats`, name.file);
}

/**
 * Refuses R peaks whose median interval no heart has (PLAUSIBLE_RR_SECONDS): the header's
 * sampling frequency is then wrong (36 Hz for 360), or the peaks are not beats.
 */
export function checkBeatRate(peaks: ArrayLike<number>, fs: number, name: LeadName): void {
  if (peaks.length < 3) return;
  const rr: number[] = [];
  for (let i = 1; i < peaks.length; i++) rr.push((peaks[i]! - peaks[i - 1]!) / fs);
  const m = median(rr);
  if (!(m >= PLAUSIBLE_RR_SECONDS.min && m <= PLAUSIBLE_RR_SECONDS.max))
    throw new UserError(
      `${where(name)}: the beats' median R-R interval is ${m.toPrecision(3)} s at ${fs} Hz, which no heart has: is the sampling frequency wrong?`,
      name.file,
    );
}

/** Refuses a cut whose beats are none or all flat (every sample of every beat equal). */
export function checkUsableBeats(beats: Float32Array, count: number, name: LeadName): void {
  if (count === 0) throw new UserError(`${where(name)}: no beats`, name.file);
  for (let b = 0; b < count; b++) {
    const first = beats[b * BEAT_LENGTH]!;
    for (let j = 1; j < BEAT_LENGTH; j++) if (beats[b * BEAT_LENGTH + j] !== first) return;
  }
  throw new UserError(`${where(name)}: all ${count} beats are flat; no usable beats`, name.file);
}
