// The one lead opener: a record (any format, io/read-record.ts) → the lead beats come from
// (lead-rule.ts) → its samples in millivolts, with errors that name the record. Every command that
// detects, cuts or shows beats reads its lead here.
import { UserError } from "../errors.js";
import { readRecord } from "../io/read-record.js";
import type { EcgRecord, ReadRecordOptions } from "../io/record.js";
import { chooseLead, type LeadReason } from "./lead-rule.js";
import { checkUsableLead } from "./usable-lead.js";

export interface Lead {
  /** The record it was read from (its other signals, comments, annotations). */
  record: EcgRecord;
  /** The record's name, e.g. "100". */
  name: string;
  /** The lead's name as the record gives it, e.g. "MLII" (data: not escaped). */
  lead: string;
  signalIndex: number;
  /** Why this lead: asked for, or which step of the rule (lead-rule.ts) chose it. */
  reason: LeadReason;
  fs: number;
  /** The lead in millivolts; invalid samples are NaN. */
  signal: Float32Array;
}

export interface ReadLeadOptions extends ReadRecordOptions {
  /** A signal by name (case-insensitive) or 0-based index; the rule's choice when undefined. */
  lead?: string;
  /** Refuse a record shorter than this, in seconds. */
  minSeconds?: number;
  /** Refuse a lead no beats can come from (flat, invalid samples, an impossible rate): usable-lead.ts. */
  usable?: boolean;
}

/** Millivolts per unit of the voltages a file may name; "" (no unit given) is taken as mV. */
const MILLIVOLTS_PER_UNIT: Readonly<Record<string, number>> = {
  "": 1,
  mv: 1,
  millivolt: 1,
  millivolts: 1,
  uv: 1e-3,
  µv: 1e-3,
  μv: 1e-3,
  microvolt: 1e-3,
  microvolts: 1e-3,
  nv: 1e-6,
  v: 1e3,
};

/** A record (a path, or one already read) → its lead in mV, chosen by `opts.lead` or by the rule. */
export function readLead(source: string | EcgRecord, opts: ReadLeadOptions = {}): Lead {
  const record =
    typeof source === "string" ? readRecord(source, opts.fs !== undefined ? { fs: opts.fs } : {}) : source;
  const { index, reason } = chooseLead(record.signals, opts.lead, { record: record.name, file: record.file });
  const info = record.signals[index]!;
  const signal = record.samples(index);
  const perUnit = MILLIVOLTS_PER_UNIT[info.units.trim().toLowerCase()];
  // A signal in another unit (asked for by name) is kept as it is: beats are scaled on their own.
  if (perUnit !== undefined && perUnit !== 1)
    for (let i = 0; i < signal.length; i++) signal[i] = signal[i]! * perUnit;
  const fs = info.fs;
  const minSeconds = opts.minSeconds ?? 0;
  if (signal.length < minSeconds * fs)
    throw new UserError(
      `record ${record.name}: ${(signal.length / fs).toFixed(2)} s of signal is too short (at least ${minSeconds} s needed)`,
      record.file,
    );
  if (opts.usable) checkUsableLead(signal, fs, { record: record.name, lead: info.name, file: record.file });
  return { record, name: record.name, lead: info.name, signalIndex: index, reason, fs, signal };
}

/** How an output names the lead: "MLII", or "ECG1 (the first ECG signal)" when the rule fell that far. */
export function describeLead(lead: { lead: string; reason: LeadReason }): string {
  return lead.reason === "first ECG signal" ? `${lead.lead} (the first ECG signal)` : lead.lead;
}
