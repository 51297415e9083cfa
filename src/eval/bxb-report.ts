// Text renderings of beat-by-beat comparisons, in the spirit of bxb's standard and line formats.
import { CLASS_NAMES } from "../vocabulary.js";
import { type AverageStats, type BxbStats, NONE, type Rate } from "./bxb.js";

function pct(r: Rate | number | null, digits = 2): string {
  const v = r === null ? null : typeof r === "number" ? r : r.value;
  return v === null ? "-" : v.toFixed(digits);
}

/** The 6×6 matrix: reference rows N S V F Q O (no reference beat), test columns n s v f q o (missed). */
export function formatMatrix(matrix: readonly (readonly number[])[]): string {
  const w = Math.max(5, ...matrix.flat().map((v) => String(v).length + 1));
  const cols = [...CLASS_NAMES.map((c) => c.toLowerCase()), "o"];
  const lines = [`${" ".repeat(12)}test`, `ref   ${cols.map((c) => c.padStart(w)).join("")}`];
  const rows = [...CLASS_NAMES, "O"];
  matrix.forEach((row, r) => {
    const cells = row.map((v, c) => (r === NONE && c === NONE ? "".padStart(w) : String(v).padStart(w)));
    lines.push(`  ${rows[r]!}   ${cells.join("")}`);
  });
  return lines.join("\n");
}

/** QRS sensitivity and +P, and per-class Se, +P and FPR when the test series is labelled. */
export function formatStats(stats: BxbStats, classified: boolean): string {
  const q = stats.qrs;
  const lines = [
    `QRS sensitivity            ${pct(q.se).padStart(7)} % (${q.se.num}/${q.se.den})`,
    `QRS positive predictivity  ${pct(q.ppv).padStart(7)} % (${q.ppv.num}/${q.ppv.den})`,
  ];
  if (classified) {
    lines.push("", "class      Se %     +P %    FPR %      TP     FN     FP");
    for (const c of CLASS_NAMES) {
      const s = stats.classes[c];
      lines.push(
        `  ${c}    ${pct(s.se).padStart(7)}  ${pct(s.ppv).padStart(7)}  ${pct(s.fpr, 3).padStart(7)}  ${String(s.tp).padStart(6)} ${String(s.fn).padStart(6)} ${String(s.fp).padStart(6)}`,
      );
    }
  }
  return lines.join("\n");
}

export interface RecordRow {
  record: string;
  /** The lead the record's beats came from; a column when any row has it. */
  lead?: string;
  stats: BxbStats;
  /** Time spent on the record (e.g. detection + classification); a column when every row has it. */
  seconds?: number;
}

/** One line per record (QRS TP/FN/FP/Se/+P, and VEB and SVEB Se/+P when labelled), then gross and average. */
export function formatRecordTable(
  rows: readonly RecordRow[],
  gross: BxbStats,
  average: AverageStats,
  classified: boolean,
): string {
  const width = Math.max(6, ...rows.map((r) => r.record.length));
  const leads = rows.some((r) => r.lead !== undefined);
  const leadWidth = Math.max(4, ...rows.map((r) => r.lead?.length ?? 0));
  const head = ["record".padEnd(width), "    TP", "   FN", "   FP", "  Se %", "  +P %"];
  if (leads) head.splice(1, 0, "lead".padEnd(leadWidth));
  if (classified) head.push("VEB Se", "VEB +P", "SVEB Se", "SVEB +P");
  const timed = rows.length > 0 && rows.every((r) => r.seconds !== undefined);
  if (timed) head.push("time s");
  // A record's row and the gross row (counts, rates, time), or the average row (rates only).
  const line = (name: string, s: BxbStats | AverageStats, seconds?: number, lead?: string): string => {
    const counts = "tp" in s.qrs ? s.qrs : undefined;
    const cells = [
      name.padEnd(width),
      ...(leads ? [(lead ?? "").padEnd(leadWidth)] : []),
      (counts ? String(counts.tp) : "").padStart(6),
      (counts ? String(counts.fn) : "").padStart(5),
      (counts ? String(counts.fp) : "").padStart(5),
      pct(s.qrs.se).padStart(6),
      pct(s.qrs.ppv).padStart(6),
    ];
    if (classified) {
      cells.push(
        pct(s.classes.V.se).padStart(6),
        pct(s.classes.V.ppv).padStart(6),
        pct(s.classes.S.se).padStart(7),
        pct(s.classes.S.ppv).padStart(7),
      );
    }
    if (timed && counts) cells.push((seconds ?? 0).toFixed(2).padStart(6));
    return cells.join(" ");
  };
  const totalSeconds = rows.reduce((a, r) => a + (r.seconds ?? 0), 0);
  const lines = [
    head.join(" "),
    ...rows.map((r) => line(r.record, r.stats, r.seconds, r.lead)),
    line("gross", gross, totalSeconds),
    line("avg", average),
  ];
  return lines.join("\n");
}
