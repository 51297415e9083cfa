// Each beat against its patient's own dominant beat. A network that learns beat shapes from 22
// patients takes the shapes of a new patient's normal beats (a bundle-branch block, another lead
// placement) for ectopy; a beat minus the patient's template is near zero for the patient's usual
// beats, whatever they look like, and large for a beat that departs from them (a V beat) — subject
// invariance by construction, computed from the record itself, without labels, as the R-R
// normalisation is (the inter-patient practice allows both).
//
// The template of a record is the per-sample median of its beats (the Kachuee cuts: every beat of the
// record, BEAT_LENGTH samples each): the median, not the mean, so that ectopic beats (a third of a
// bigeminal record's) do not pull it. Batch and streaming are one code path: relativeBeats() is the
// TemplateTracker run over a record's beats. Streaming has no whole record: the causal tracker takes
// the median of the last TEMPLATE_BEATS beats (the beat itself included), recomputed every
// TEMPLATE_REFRESH beats, with no latency of its own (a beat is made relative when it is cut).
import { median } from "../signal/median.js";
import { BEAT_LENGTH } from "../vocabulary.js";

/** Beats the causal template is the median of (about two minutes at 70 beats per minute). */
export const TEMPLATE_BEATS = 128;
/** The causal template is recomputed every this many beats (a median per sample costs). */
export const TEMPLATE_REFRESH = 8;

/** The per-sample median of some beats (BEAT_LENGTH samples each). */
export function medianBeat(beats: readonly Float32Array[]): Float32Array {
  if (beats.length === 0) throw new RangeError("the template of no beats");
  const template = new Float32Array(BEAT_LENGTH);
  const column = new Float64Array(beats.length);
  for (let j = 0; j < BEAT_LENGTH; j++) {
    for (let k = 0; k < beats.length; k++) column[k] = beats[k]![j]!;
    template[j] = median(column);
  }
  return template;
}

function minus(beat: Float32Array, template: Float32Array): Float32Array {
  const out = new Float32Array(BEAT_LENGTH);
  for (let j = 0; j < BEAT_LENGTH; j++) out[j] = beat[j]! - template[j]!;
  return out;
}

export interface TemplateOptions {
  /** The median of the last TEMPLATE_BEATS beats, for streaming (default false: the record's). */
  causal?: boolean;
}

/**
 * One record's beats, in the order they are cut, made relative to its template. Non-causal (the
 * default, what training data and a whole record get): every beat waits for flush(), when the record's
 * median is known. Causal: each beat is decided at push(), against the median of the last
 * TEMPLATE_BEATS beats (itself included), recomputed every TEMPLATE_REFRESH beats once formed.
 */
export class TemplateTracker {
  private readonly causal: boolean;
  /** Causal: the last TEMPLATE_BEATS beats; non-causal: every beat until flush(). */
  private readonly beats: Float32Array[] = [];
  private current: Float32Array | undefined;
  private sinceRefresh = 0;

  constructor(opts: TemplateOptions = {}) {
    this.causal = opts.causal ?? false;
  }

  /** The template the beats decided last were made relative to (the record's, after flush()). */
  get template(): Float32Array | undefined {
    return this.current;
  }

  /** The next beat (BEAT_LENGTH samples); returns the beats decided meanwhile, made relative. */
  push(beat: Float32Array): Float32Array[] {
    if (beat.length !== BEAT_LENGTH)
      throw new RangeError(`a beat has ${BEAT_LENGTH} samples, got ${beat.length}`);
    this.beats.push(Float32Array.from(beat));
    if (!this.causal) return [];
    if (this.beats.length > TEMPLATE_BEATS) this.beats.shift();
    // Every beat while the template forms, then every TEMPLATE_REFRESH beats.
    if (!this.current || this.beats.length < TEMPLATE_REFRESH || ++this.sinceRefresh >= TEMPLATE_REFRESH) {
      this.current = medianBeat(this.beats);
      this.sinceRefresh = 0;
    }
    return [minus(beat, this.current)];
  }

  /** End of the record: the beats not yet decided (non-causal: all of them, against the record's median). */
  flush(): Float32Array[] {
    if (this.causal || this.beats.length === 0) return [];
    const template = medianBeat(this.beats);
    this.current = template;
    const out = this.beats.map((b) => minus(b, template));
    this.beats.length = 0;
    return out;
  }
}

/** The rows of each group (record), in first-seen order; without groups, all rows are one group. */
function groupRows(count: number, groups?: ArrayLike<string>): number[][] {
  if (groups && groups.length !== count) throw new RangeError(`${groups.length} groups for ${count} beats`);
  const members = new Map<string, number[]>();
  for (let i = 0; i < count; i++) {
    const g = groups ? groups[i]! : "";
    const list = members.get(g);
    if (list) list.push(i);
    else members.set(g, [i]);
  }
  return [...members.values()];
}

/**
 * A TemplateTracker run over each group's (record's) rows of `beats` (count × BEAT_LENGTH) in order;
 * `take` gets the rows, the relative beats and the tracker. Without groups all beats are one record.
 */
function overGroups(
  beats: Float32Array,
  count: number,
  groups: ArrayLike<string> | undefined,
  opts: TemplateOptions,
  take: (rows: number[], relative: Float32Array[], tracker: TemplateTracker) => void,
): void {
  if (beats.length !== count * BEAT_LENGTH)
    throw new RangeError(`${beats.length} values is not ${count} beats of ${BEAT_LENGTH}`);
  for (const rows of groupRows(count, groups)) {
    const tracker = new TemplateTracker(opts);
    const relative: Float32Array[] = [];
    for (const i of rows)
      relative.push(...tracker.push(beats.subarray(i * BEAT_LENGTH, (i + 1) * BEAT_LENGTH)));
    relative.push(...tracker.flush());
    take(rows, relative, tracker);
  }
}

/** Each beat minus its record's template (count × BEAT_LENGTH); `groups[i]` names beat i's record. */
export function relativeBeats(
  beats: Float32Array,
  count: number,
  groups?: ArrayLike<string>,
  opts: TemplateOptions = {},
): Float32Array {
  const out = new Float32Array(beats.length);
  overGroups(beats, count, groups, opts, (rows, relative) => {
    rows.forEach((i, k) => {
      out.set(relative[k]!, i * BEAT_LENGTH);
    });
  });
  return out;
}

/**
 * Per-row record templates (count × BEAT_LENGTH): what training subtracts after augmenting a beat, so
 * the augmentation acts on the beat and not on its patient's template.
 */
export function rowTemplates(beats: Float32Array, count: number, groups?: ArrayLike<string>): Float32Array {
  const out = new Float32Array(beats.length);
  overGroups(beats, count, groups, {}, (rows, _relative, tracker) => {
    for (const i of rows) out.set(tracker.template!, i * BEAT_LENGTH);
  });
  return out;
}

/** beats − templates, element by element (the model's input when it takes relative beats). */
export function subtractTemplates(beats: Float32Array, templates: Float32Array): Float32Array {
  if (beats.length !== templates.length)
    throw new RangeError(`${beats.length} beat values but ${templates.length} template values`);
  const out = new Float32Array(beats.length);
  for (let k = 0; k < beats.length; k++) out[k] = beats[k]! - templates[k]!;
  return out;
}
