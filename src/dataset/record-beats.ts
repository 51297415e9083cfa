// The labelled beats of one MIT-BIH record, cut by the Kachuee pipeline at the reference annotations
// on the lead the lead rule chooses (lead-rule.ts: MLII, V5 for 102 and 104), with the rhythm
// features of each beat computed from the same positions.
import { aamiClass, BEAT_LENGTH } from "../vocabulary.js";
import { type AnnotationPolicy, isBeatSymbol, readAnnotations } from "../wfdb/annotation.js";
import { namingRecord } from "../wfdb/record.js";
import { kachueeBeats } from "./kachuee.js";
import { readLead } from "./read-lead.js";
import { RHYTHM_FEATURE_COUNT, rhythmFeatures } from "./rhythm.js";
import { checkBeatRate, checkUsableBeats } from "./usable-lead.js";

export interface RecordBeats {
  record: string;
  lead: string;
  /** The record's sampling frequency (Hz): the rate of `sample`. */
  fs: number;
  /** count × BEAT_LENGTH. */
  x: Float32Array;
  /** AAMI class 0..4 of each beat. */
  y: Uint8Array;
  /** The R peak of each beat: annotation sample at the record's rate, and its symbol. */
  sample: Int32Array;
  symbol: string[];
  /** count × RHYTHM_FEATURE_COUNT rhythm features (rhythm.ts, non-causal). */
  rhythm: Float32Array;
  count: number;
}

/**
 * Every annotated beat of the AAMI classes except the record's last beat: the Kaggle set has exactly one
 * beat fewer per record than mitdb's annotations, and the classes of the 48 last beats (42 N, 2 S, 4 Q)
 * are exactly its deficit per class, so the last beat is the one it lacks.
 */
export function recordBeats(recordPath: string, opts: { annotations?: AnnotationPolicy } = {}): RecordBeats {
  try {
    return cutRecord(recordPath, opts);
  } catch (e) {
    throw namingRecord(e, recordPath);
  }
}

function cutRecord(recordPath: string, opts: { annotations?: AnnotationPolicy }): RecordBeats {
  const lead = readLead(recordPath, { usable: true });
  const { signal, fs } = lead;
  const name = { record: lead.name, lead: lead.lead, file: lead.record.file };
  // All beat annotations are R peaks, labelled or not: they all count for the median R-R interval
  // and for the rhythm features (the reader refuses times that go back unless told to mend them).
  const beats = readAnnotations(recordPath, "atr", {
    signalLength: signal.length,
    ...(opts.annotations ? { policy: opts.annotations } : {}),
  }).filter((a) => isBeatSymbol(a.symbol));
  const peaks = beats.map((a) => a.sample);
  checkBeatRate(peaks, fs, name);
  const cut = kachueeBeats(signal, fs, peaks);
  const features = rhythmFeatures(peaks, fs);
  const lastBeat = beats.length - 1;
  const x = new Float32Array(cut.count * BEAT_LENGTH);
  const rhythm = new Float32Array(cut.count * RHYTHM_FEATURE_COUNT);
  const y = new Uint8Array(cut.count);
  const sample = new Int32Array(cut.count);
  const symbol: string[] = [];
  let count = 0;
  for (let k = 0; k < cut.count; k++) {
    const p = cut.peakIndex[k]!;
    const label = aamiClass(beats[p]!.symbol);
    if (p === lastBeat || label === undefined) continue;
    x.set(cut.beats.subarray(k * BEAT_LENGTH, (k + 1) * BEAT_LENGTH), count * BEAT_LENGTH);
    rhythm.set(
      features.subarray(p * RHYTHM_FEATURE_COUNT, (p + 1) * RHYTHM_FEATURE_COUNT),
      count * RHYTHM_FEATURE_COUNT,
    );
    y[count] = label;
    sample[count] = beats[p]!.sample;
    symbol.push(beats[p]!.symbol);
    count++;
  }
  checkUsableBeats(x, count, name);
  return {
    record: lead.name,
    lead: lead.lead,
    fs,
    x: x.subarray(0, count * BEAT_LENGTH),
    y: y.subarray(0, count),
    sample: sample.subarray(0, count),
    symbol,
    rhythm: rhythm.subarray(0, count * RHYTHM_FEATURE_COUNT),
    count,
  };
}
