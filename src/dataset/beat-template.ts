// Each beat against its patient's own dominant beat. A network that learns beat shapes from 22
// patients takes the shapes of a new patient's normal beats (a bundle-branch block, another lead
// placement) for ectopy; a beat minus the patient's template is near zero for the patient's usual
// beats, whatever they look like, and large for a beat that departs from them (a V beat) — subject
// invariance by construction, computed from the record itself, without labels, as the R-R
// normalisation is (the inter-patient practice allows both).
//
// The template of a record is the per-sample median of its beats (the Kachuee cuts: every beat of the
// record, BEAT_LENGTH samples each): the median, not the mean, so that ectopic beats (a third of a
// bigeminal record's) do not pull it. Streaming has no whole record: TemplateTracker takes the median
// of the last TEMPLATE_BEATS beats (the beat itself included), recomputed every TEMPLATE_REFRESH
// beats; it is causal, with no latency of its own (a beat is made relative when it is cut), and
// causalRelativeBeats() is the tracker run over a record's beats in order.
import { median } from "../signal/median.js";
import { BEAT_LENGTH } from "../vocabulary.js";

/** Beats the causal template is the median of (about two minutes at 70 beats per minute). */
export const TEMPLATE_BEATS = 128;
/** The causal template is recomputed every this many beats (a median per sample costs). */
export const TEMPLATE_REFRESH = 8;

/** The per-sample median of the given rows of `beats` (count × BEAT_LENGTH). */
export function beatTemplate(beats: Float32Array, rows: ArrayLike<number>): Float32Array {
  if (rows.length === 0) throw new RangeError("the template of no beats");
  const template = new Float32Array(BEAT_LENGTH);
  const column = new Float64Array(rows.length);
  for (let j = 0; j < BEAT_LENGTH; j++) {
    for (let k = 0; k < rows.length; k++) column[k] = beats[rows[k]! * BEAT_LENGTH + j]!;
    template[j] = median(column);
  }
  return template;
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
 * Per-row templates (count × BEAT_LENGTH): each row gets its group's (record's) template. `groups[i]`
 * names beat i's record; without groups all beats are one record.
 */
export function rowTemplates(beats: Float32Array, count: number, groups?: ArrayLike<string>): Float32Array {
  if (beats.length !== count * BEAT_LENGTH)
    throw new RangeError(`${beats.length} values is not ${count} beats of ${BEAT_LENGTH}`);
  const out = new Float32Array(beats.length);
  for (const rows of groupRows(count, groups)) {
    const template = beatTemplate(beats, rows);
    for (const i of rows) out.set(template, i * BEAT_LENGTH);
  }
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

/** Each beat minus its record's template (count × BEAT_LENGTH). */
export function relativeBeats(beats: Float32Array, count: number, groups?: ArrayLike<string>): Float32Array {
  return subtractTemplates(beats, rowTemplates(beats, count, groups));
}

/** The causal template: each beat minus the median of the last TEMPLATE_BEATS beats, itself included. */
export class TemplateTracker {
  private readonly recent: Float32Array[] = [];
  private template: Float32Array | undefined;
  private sinceRefresh = 0;

  /** The next beat (BEAT_LENGTH samples, in the order beats are cut); returns it minus the template. */
  push(beat: Float32Array): Float32Array {
    if (beat.length !== BEAT_LENGTH)
      throw new RangeError(`a beat has ${BEAT_LENGTH} samples, got ${beat.length}`);
    this.recent.push(Float32Array.from(beat));
    if (this.recent.length > TEMPLATE_BEATS) this.recent.shift();
    // Every beat while the first few arrive (the template is still forming), then every TEMPLATE_REFRESH.
    if (!this.template || this.recent.length < TEMPLATE_REFRESH || ++this.sinceRefresh >= TEMPLATE_REFRESH) {
      const joined = new Float32Array(this.recent.length * BEAT_LENGTH);
      this.recent.forEach((b, i) => {
        joined.set(b, i * BEAT_LENGTH);
      });
      this.template = beatTemplate(
        joined,
        Array.from({ length: this.recent.length }, (_, i) => i),
      );
      this.sinceRefresh = 0;
    }
    const out = new Float32Array(BEAT_LENGTH);
    for (let j = 0; j < BEAT_LENGTH; j++) out[j] = beat[j]! - this.template[j]!;
    return out;
  }
}

/** The causal variant of relativeBeats for one record's beats in the order they were cut. */
export function causalRelativeBeats(beats: Float32Array, count: number): Float32Array {
  if (beats.length !== count * BEAT_LENGTH)
    throw new RangeError(`${beats.length} values is not ${count} beats of ${BEAT_LENGTH}`);
  const tracker = new TemplateTracker();
  const out = new Float32Array(beats.length);
  for (let i = 0; i < count; i++)
    out.set(tracker.push(beats.subarray(i * BEAT_LENGTH, (i + 1) * BEAT_LENGTH)), i * BEAT_LENGTH);
  return out;
}
