// The validation split of inter-patient training: whole records (patients) held out of the training
// side, never single beats. A beat-wise split of DS1 selects models on patients already seen in
// training, which says nothing about a new patient (data.md, "Splits").
import { Random } from "../dataset/random.js";

export interface RecordSplit {
  /** Rows (indices into the set) of the records that train, ascending. */
  train: Int32Array;
  /** Rows of the held-out records, ascending. */
  val: Int32Array;
  trainRecords: string[];
  valRecords: string[];
}

/** Rows of the named records go to validation, all others to training. Every named record must occur. */
export function splitByRecord(records: readonly string[], valRecords: readonly string[]): RecordSplit {
  const held = new Set(valRecords);
  const present = new Set(records);
  const absent = valRecords.filter((r) => !present.has(r));
  if (absent.length > 0) throw new RangeError(`validation records not in the data: ${absent.join(", ")}`);
  const train: number[] = [];
  const val: number[] = [];
  records.forEach((r, i) => {
    (held.has(r) ? val : train).push(i);
  });
  if (train.length === 0)
    throw new RangeError("every record is held out for validation: nothing left to train on");
  return {
    train: Int32Array.from(train),
    val: Int32Array.from(val),
    trainRecords: [...present].filter((r) => !held.has(r)).sort(),
    valRecords: [...held].sort(),
  };
}

export interface ValidationChoice {
  /** Share of each covered class's beats to hold out (about; whole records move). */
  fraction: number;
  /** The classes the validation set must hold, from several patients (e.g. S and V). */
  cover: readonly number[];
  seed: number;
}

/** Patients per covered class the choice aims for, so that one patient does not decide the selection. */
export const MIN_VALIDATION_PATIENTS = 3;
/** A record counts as a patient of a class (and is taken for it) from this many beats of it. */
export const MIN_PATIENT_BEATS = 10;
/** No covered class loses more than this multiple of `fraction` of its beats to validation. */
const MAX_SHARE_FACTOR = 1.5;

/**
 * Records to hold out, chosen without looking at anything but the training side's labels: records in a
 * seeded random order, each taken when it brings MIN_PATIENT_BEATS or more beats of a covered class
 * that still has less than `fraction` of its beats, or fewer than MIN_VALIDATION_PATIENTS such
 * patients, in validation — and only if
 * no covered class then exceeds MAX_SHARE_FACTOR · fraction (a record holding most of a rare class,
 * such as DS1's 209 with 40 % of its S beats, stays in training). Records with none of the covered
 * classes stay in training. Sorted.
 */
export function chooseValidationRecords(
  records: readonly string[],
  labels: ArrayLike<number>,
  opts: ValidationChoice,
): string[] {
  const names = [...new Set(records)].sort();
  const perRecord = new Map(names.map((n) => [n, new Map<number, number>()]));
  const total = new Map<number, number>(opts.cover.map((c) => [c, 0]));
  for (let i = 0; i < records.length; i++) {
    const c = labels[i]!;
    if (!total.has(c)) continue;
    const m = perRecord.get(records[i]!)!;
    m.set(c, (m.get(c) ?? 0) + 1);
    total.set(c, total.get(c)! + 1);
  }
  const order = Int32Array.from(names.keys());
  new Random(opts.seed).shuffle(order);
  const held = new Map<number, number>(opts.cover.map((c) => [c, 0]));
  const patients = new Map<number, number>(opts.cover.map((c) => [c, 0]));
  const chosen: string[] = [];
  const wanting = (c: number) =>
    held.get(c)! < opts.fraction * total.get(c)! || patients.get(c)! < MIN_VALIDATION_PATIENTS;
  for (const k of order) {
    if (!opts.cover.some(wanting)) break;
    const name = names[k]!;
    const counts = perRecord.get(name)!;
    const helps = opts.cover.some((c) => (counts.get(c) ?? 0) >= MIN_PATIENT_BEATS && wanting(c));
    const fits = opts.cover.every(
      (c) => held.get(c)! + (counts.get(c) ?? 0) <= MAX_SHARE_FACTOR * opts.fraction * total.get(c)!,
    );
    if (!helps || !fits) continue;
    chosen.push(name);
    for (const c of opts.cover) {
      const n = counts.get(c) ?? 0;
      held.set(c, held.get(c)! + n);
      if (n >= MIN_PATIENT_BEATS) patients.set(c, patients.get(c)! + 1);
    }
  }
  return chosen.sort();
}
