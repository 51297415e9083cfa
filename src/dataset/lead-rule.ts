// Which signal of a record beats are detected, cut and classified on: the one rule every command
// follows (detect, classify, compare --detect, view, data build, classify --follow), through
// read-lead.ts, or on a header's signal names alone (a growing record).
//
// Asked for (`--lead`): a signal by its name (case-insensitive) or by its 0-based index. Otherwise:
//   1. MLII (the MIT-BIH heartbeat set's lead; "ML II", "ML-II" too);
//   2. else a limb lead II by its usual names: II, lead II, ECG II, ML2, D2, DII;
//   3. else V5 or CM5 (the heartbeat set's fallback: 102 and 104 have no MLII);
//   4. else the first ECG signal: the first whose unit is a voltage (or not given) and whose name is
//      not another signal's (EEG, EOG, EMG, respiration, blood pressure, SpO2, …). A signal the file
//      does not name (a WFDB line without description, a text column without header) is one only
//      when it is the record's only signal: among several, nothing says which is the ECG.
// Names are data: compared after case folding and with `ECG`/`EKG`/`lead` and separators taken off
// ("ECG Lead II" is II; "ECG2", a second ECG channel, is not lead II).
import { UserError } from "../errors.js";

/** Why a signal was chosen, as an output says it. */
export type LeadReason = "asked" | "MLII" | "lead II" | "V5/CM5" | "first ECG signal";

export interface LeadChoice {
  index: number;
  reason: LeadReason;
}

/** What the rule looks at: each signal's name and unit, in the record's order. */
export interface NamedSignal {
  name: string;
  /** False when the file gives no name (`name` is made up); named by default. */
  named?: boolean;
  units: string;
}

/** What a refusal names. */
export interface RecordName {
  record: string;
  file: string;
}

const LEAD_II = new Set(["ii", "ml2", "d2", "dii"]);
const V5 = new Set(["v5", "cm5"]);
/** Names of signals that are not ECG (by how they start, once normalised). */
const NOT_ECG =
  /^(eeg|eog|emg|resp|abp|art|pap|cvp|icp|pleth|ppg|spo2|sao2|sp02|pulse|temp|flow|thor|co2|nbp|bp|hr|edr|snore|chin|leg|acc|pos|event|status|marker|trig|light|sound|imp)/;
const VOLTAGES = new Set([
  "",
  "mv",
  "uv",
  "µv",
  "μv",
  "nv",
  "v",
  "millivolt",
  "millivolts",
  "microvolt",
  "microvolts",
]);

/** A lead name without case, separators, or an `ECG`/`EKG`/`lead` in front. */
export function normaliseLeadName(name: string): string {
  let n = name.toLowerCase().replace(/[^a-z0-9µμ]/g, "");
  for (;;) {
    const stripped = n.replace(/^(ecg|ekg|lead)/, "");
    if (stripped === n || stripped === "") return n;
    n = stripped;
  }
}

/** Whether a signal can be an ECG lead: a voltage (or no unit), and no other signal's name. */
export function isEcgSignal(s: NamedSignal): boolean {
  if (!VOLTAGES.has(s.units.trim().toLowerCase())) return false;
  const raw = s.name.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (/^(ecg|ekg)/.test(raw)) return true;
  return !NOT_ECG.test(raw);
}

/** "0 MLII, 1 V5": a record's signals with the index `--lead` takes. */
export function signalList(signals: readonly NamedSignal[]): string {
  return signals.map((s, i) => `${i} ${s.name}`).join(", ");
}

/**
 * The lead: `wanted` by name or index, else the rule above. An unknown name, an index out of range
 * and a record with no ECG signal are refused in one line naming the record and its signals.
 */
export function chooseLead(
  signals: readonly NamedSignal[],
  wanted: string | undefined,
  where: RecordName,
): LeadChoice {
  if (signals.length === 0) throw new UserError(`record ${where.record}: no signals`, where.file);
  if (wanted !== undefined) return { index: askedLead(signals, wanted, where), reason: "asked" };
  const names = signals.map((s) => normaliseLeadName(s.name));
  const pick = (reason: LeadReason, test: (n: string) => boolean): LeadChoice | undefined => {
    const index = names.findIndex(test);
    return index >= 0 ? { index, reason } : undefined;
  };
  const chosen =
    pick("MLII", (n) => n === "mlii") ??
    pick("lead II", (n) => LEAD_II.has(n)) ??
    pick("V5/CM5", (n) => V5.has(n)) ??
    (() => {
      const index = signals.findIndex((s) => isEcgSignal(s) && (s.named !== false || signals.length === 1));
      return index >= 0 ? ({ index, reason: "first ECG signal" } as const) : undefined;
    })();
  if (chosen === undefined)
    throw new UserError(
      `record ${where.record}: no ECG signal among its signals (${signalList(signals)}); name one with --lead`,
      where.file,
    );
  return chosen;
}

function askedLead(signals: readonly NamedSignal[], wanted: string, where: RecordName): number {
  const want = wanted.trim().toLowerCase();
  const byName = signals.findIndex((s) => s.name.trim().toLowerCase() === want);
  if (byName >= 0) return byName;
  if (/^\d+$/.test(want)) {
    const index = Number(want);
    if (index < signals.length) return index;
    throw new UserError(
      `record ${where.record}: no signal ${index} (it has ${signals.length}: ${signalList(signals)})`,
      where.file,
    );
  }
  throw new UserError(
    `record ${where.record}: no lead '${wanted}' (signals: ${signalList(signals)})`,
    where.file,
  );
}
