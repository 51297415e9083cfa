// The clinical summary (clinical-summary.ts) as its outputs show it: the JSON `--json` prints, the text
// block `ecg classify` prints for one record, the row of its table over several records, and the
// pieces the viewer's summary shows.
import { describeProtocol, protocolJson } from "../eval/bxb-protocol.js";
import {
  type ClinicalSummary,
  ECTOPIC_CLASSES,
  type Episode,
  type HeartRate,
  PAUSE_SECONDS,
  RATE_WINDOW_SECONDS,
  RUN_BEATS,
} from "./clinical-summary.js";

/** The summary as --json prints it (the protocol as every JSON output names it). */
export function summaryJson(s: ClinicalSummary) {
  const { protocol, ...rest } = s;
  return { ...rest, ...(protocol !== undefined ? { protocol: protocolJson(protocol) } : {}) };
}

/** Elapsed time as HH:MM:SS (a Holter's clock from the recording's start). */
export function elapsed(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds + 1e-9));
  const pad = (v: number): string => String(v).padStart(2, "0");
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

const bpm = (v: number | null): string => (v === null ? "–" : v.toFixed(0));

/** "min 58 (00:12:00) · mean 72 · max 95 (00:03:00) bpm". */
export function heartRateText(hr: HeartRate | null): string {
  if (hr === null) return "– (fewer than two beats)";
  const at = (t: number | null): string => (t === null ? "" : ` (${elapsed(t)})`);
  const minMax = hr.min === null ? ` (no ${RATE_WINDOW_SECONDS}-s window long enough for a min and max)` : "";
  return `min ${bpm(hr.min)}${at(hr.minAtSeconds)} · mean ${bpm(hr.mean)} · max ${bpm(hr.max)}${at(hr.maxAtSeconds)} bpm${minMax}`;
}

/** "6 (longest 4 beats at 00:15:45, 150 bpm)", or "0". */
export function episodesText(list: readonly Episode[]): string {
  if (list.length === 0) return "0";
  const longest = list.reduce((a, b) => (b.beats > a.beats ? b : a));
  return `${list.length} (longest ${longest.beats} beats at ${elapsed(longest.startSeconds)}, ${bpm(longest.rateBpm)} bpm)`;
}

/** Up to `limit` start times, then how many more. */
export function timesText(times: readonly number[], limit = 8): string {
  const shown = times.slice(0, limit).map(elapsed).join(", ");
  return times.length > limit ? `${shown}, … ${times.length - limit} more` : shown;
}

export function labelsText(s: ClinicalSummary): string {
  return s.labels.by === "model"
    ? `labels by the model ${s.labels.model}`
    : `reference labels (${s.labels.annotator})`;
}

export function leadText(s: ClinicalSummary): string {
  const { name, signal, signals } = s.lead;
  return signal !== undefined
    ? `${name} (signal ${signal}${signals !== undefined ? ` of ${signals}` : ""})`
    : name;
}

/** The summary's lines for one record (text output; indented by the caller if it likes). */
export function summaryLines(s: ClinicalSummary): string[] {
  const lines = [
    `rhythm summary over the whole recording (${elapsed(s.durationSeconds)}, ${s.beats} beats on ${leadText(s)}; ${labelsText(s)}):`,
    `  heart rate: ${heartRateText(s.heartRate)} (min/max of ${RATE_WINDOW_SECONDS}-s windows)`,
  ];
  if (s.hours.length > 0) {
    lines.push(
      `  ${"hour".padEnd(17)}  ${"beats".padStart(6)}  ${"HR min/mean/max".padEnd(15)} ${"S".padStart(6)} ${"V".padStart(6)}`,
    );
    for (const h of s.hours) {
      const hr = h.heartRate;
      const rates = hr === null ? "–" : `${bpm(hr.min)} / ${bpm(hr.mean)} / ${bpm(hr.max)}`;
      lines.push(
        `  ${elapsed(h.fromSeconds)}–${elapsed(h.toSeconds)}  ${String(h.beats).padStart(6)}  ${rates.padEnd(15)} ${String(h.S).padStart(6)} ${String(h.V).padStart(6)}`,
      );
    }
  }
  for (const c of ECTOPIC_CLASSES) {
    const runs = s.runs[c];
    lines.push(
      `  ${c}: ${s.counts[c]} beats · couplets ${s.couplets[c].length} · runs of ≥ ${RUN_BEATS} ${episodesText(runs)}` +
        (runs.length > 0 ? `; runs at ${timesText(runs.map((e) => e.startSeconds))}` : ""),
    );
  }
  const longest = s.pauses.reduce((a, p) => Math.max(a, p.seconds), 0);
  lines.push(
    `  pauses > ${PAUSE_SECONDS} s: ${s.pauses.length}` +
      (s.pauses.length > 0
        ? ` (longest ${longest.toFixed(2)} s); at ${timesText(s.pauses.map((p) => p.startSeconds))}`
        : ""),
  );
  if (s.artifact !== undefined)
    lines.push(
      `  artifact: ${s.artifact.segments} segments, ${s.artifact.seconds.toFixed(1)} s marked (left out of rates and pauses)`,
    );
  if (s.protocol !== undefined)
    lines.push(`  scoring against the reference: ${describeProtocol(s.protocol)}`);
  return lines;
}

/** The header and one row per record of the several-records table. */
export const SUMMARY_TABLE_HEADER =
  "record  HR min/mean/max  V cplt  V runs  S cplt  S runs  pauses  longest s";

export function summaryRow(record: string, s: ClinicalSummary): string {
  const hr = s.heartRate;
  const rates = hr === null ? "–" : `${bpm(hr.min)}/${bpm(hr.mean)}/${bpm(hr.max)}`;
  const longest = s.pauses.reduce((a, p) => Math.max(a, p.seconds), 0);
  return (
    `${record.padEnd(6)}  ${rates.padStart(15)}  ${String(s.couplets.V.length).padStart(6)}  ${String(s.runs.V.length).padStart(6)}` +
    `  ${String(s.couplets.S.length).padStart(6)}  ${String(s.runs.S.length).padStart(6)}  ${String(s.pauses.length).padStart(6)}` +
    `  ${s.pauses.length > 0 ? longest.toFixed(2).padStart(9) : "–".padStart(9)}`
  );
}
