// The viewer's summary table for one record: what was read, how many beats of each class, and (with a
// classifier) how often it agrees with the reference over the scored span, counted as the page counts
// disagreements.
import { beatClass } from "../eval/bxb-reference.js";
import { CLASS_NAMES, classCounts } from "../vocabulary.js";
import { disagreement, formatTime, inScoredSpan, type ScoredSpan, type ViewerBeat } from "./viewer.js";

export interface RecordFacts {
  record: string;
  lead: string;
  signalIndex: number;
  nSignals: number;
  fs: number;
  nSamples: number;
  /** Header comment lines (MIT-BIH: age, sex, medication). */
  comments?: string[];
  model?: string;
  /** The beat-by-beat figures of the model against the reference, with the protocol they follow. */
  scoring?: string;
  /** The span those figures and the page's disagreements are over; every beat when absent. */
  scored?: ScoredSpan;
}

function countLine(labels: (string | undefined)[]): string {
  const known = labels.filter((l): l is string => l !== undefined);
  const counts = classCounts(known.map(beatClass));
  const parts = CLASS_NAMES.map((c, i) => `${c} ${counts[i]!.toLocaleString("en")}`);
  return `${known.length.toLocaleString("en")} (${parts.join(" · ")})`;
}

export function viewerSummary(facts: RecordFacts, beats: ViewerBeat[]): { label: string; value: string }[] {
  const rows = [
    { label: "record", value: facts.record },
    { label: "lead", value: `${facts.lead} (signal ${facts.signalIndex} of ${facts.nSignals})` },
    { label: "sampling frequency", value: `${facts.fs} Hz` },
    {
      label: "duration",
      value: `${formatTime(facts.nSamples / facts.fs)} (${facts.nSamples.toLocaleString("en")} samples)`,
    },
  ];
  const notes = (facts.comments ?? []).map((c) => c.trim()).filter((c) => c !== "");
  if (notes.length > 0) rows.push({ label: "header notes", value: notes.join(" / ") });
  const hasRef = beats.some((b) => b.reference !== undefined);
  const hasPred = beats.some((b) => b.predicted !== undefined);
  rows.push({
    label: "reference beats",
    value: hasRef ? countLine(beats.map((b) => b.reference)) : "none (no annotation file)",
  });
  if (facts.model !== undefined) rows.push({ label: "model", value: facts.model });
  if (!hasPred) return rows;
  rows.push({ label: "predicted beats", value: countLine(beats.map((b) => b.predicted)) });
  const kinds = { mismatch: 0, missed: 0, extra: 0 };
  let matched = 0;
  for (const b of beats) {
    if (!inScoredSpan(b.sample, facts.scored)) continue;
    if (b.reference !== undefined && b.predicted !== undefined) matched++;
    const d = disagreement(b, hasRef, hasPred);
    if (d) kinds[d]++;
  }
  if (hasRef) {
    const agree = matched - kinds.mismatch;
    const pct = matched > 0 ? ((100 * agree) / matched).toFixed(2) : "—";
    if (facts.scored !== undefined) {
      const fs = facts.fs;
      const vf = facts.scored.excluded.length;
      rows.push({
        label: "scored span",
        value:
          `from ${formatTime(facts.scored.start / fs)}` +
          (vf > 0 ? `, ${vf} reference VF/flutter episode${vf > 1 ? "s" : ""} left out` : "") +
          ` (${facts.scored.protocol})`,
      });
    }
    rows.push({
      label: "agreement (AAMI class)",
      value: `${pct} % of ${matched.toLocaleString("en")} matched beats`,
    });
    rows.push({
      label: "disagreements",
      value: `${kinds.mismatch + kinds.missed + kinds.extra} (label differs ${kinds.mismatch} · no prediction ${kinds.missed} · no reference beat ${kinds.extra})`,
    });
    if (facts.scoring !== undefined) rows.push({ label: "beat by beat", value: facts.scoring });
  }
  return rows;
}
