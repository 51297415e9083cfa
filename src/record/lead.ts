// One lead of a WFDB record, in physical units, with errors that name the record.
import path from "node:path";
import { leadOf } from "../dataset/record-beats.js";
import { checkUsableLead } from "../dataset/usable-lead.js";
import { UserError } from "../errors.js";
import type { RecordHeader } from "../wfdb/header.js";
import { findLead, namingRecord, readRecord, toPhysical } from "../wfdb/record.js";

export interface LoadedLead {
  /** The record as given (path without extension). */
  recordPath: string;
  /** The record's name, e.g. "100". */
  name: string;
  header: RecordHeader;
  /** Description of the lead read, e.g. "MLII". */
  lead: string;
  signalIndex: number;
  fs: number;
  /** The lead in physical units (mV); invalid samples are NaN. */
  signal: Float32Array;
}

/**
 * Reads one lead: `lead` by name, or by default MLII (V5 where a record has no MLII, as the
 * heartbeat set does). A missing or unreadable file, an unknown lead and a record shorter than
 * `minSeconds` are UserErrors naming the record; so is, with `usable`, a lead no beats can come
 * from (flat, invalid samples, an impossible rate).
 */
export function loadLead(
  recordPath: string,
  opts: { lead?: string; minSeconds?: number; usable?: boolean } = {},
): LoadedLead {
  const name = path.basename(recordPath);
  let record: ReturnType<typeof readRecord>;
  try {
    record = readRecord(recordPath);
  } catch (e) {
    throw namingRecord(e, recordPath);
  }
  const { header } = record;
  const signalIndex = opts.lead !== undefined ? findLead(header, opts.lead) : leadOf(header);
  const signal = toPhysical(record, signalIndex);
  const fs = header.samplingFrequency;
  const minSeconds = opts.minSeconds ?? 0;
  if (signal.length < minSeconds * fs) {
    throw new UserError(
      `record ${name}: ${(signal.length / fs).toFixed(2)} s of signal is too short (at least ${minSeconds} s needed)`,
      header.file,
    );
  }
  const leadName = header.signals[signalIndex]!.description;
  // For beats (usable), the lead must be one they can come from: see dataset/usable-lead.ts.
  if (opts.usable) checkUsableLead(signal, fs, { record: name, lead: leadName, file: header.file });
  return {
    recordPath,
    name,
    header,
    lead: leadName,
    signalIndex,
    fs,
    signal,
  };
}
