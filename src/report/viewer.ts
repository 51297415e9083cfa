// The record viewer: one self-contained HTML page with the ECG strip on a canvas (only the visible window is
// drawn, min/max per pixel when zoomed out, so a 650,000-sample record stays responsive), beat labels
// (reference above, predicted below), disagreements highlighted, a jump list of them, and a summary table.
import { beatClass } from "../eval/bxb-reference.js";
import { escapeHtml, jsonForScript, keyValueTable, page } from "./html.js";
import { VIEWER_CSS, VIEWER_SCRIPT } from "./viewer-client.js";

export interface ViewerBeat {
  sample: number;
  /** AAMI class letter or MIT-BIH symbol. */
  reference?: string;
  /** AAMI class letter (or a symbol) from a classifier. */
  predicted?: string;
  /** Class probabilities of the prediction, N S V F Q order. */
  probs?: number[];
}

export interface ViewerInput {
  record: string;
  fs: number;
  lead: string;
  /** mV, at fs. NaN marks an invalid sample (drawn as a gap). */
  signal: Float32Array;
  beats: ViewerBeat[];
  summary: { label: string; value: string }[] | Record<string, unknown>;
}

/** Why a beat is listed: labels differ, the classifier missed a reference beat, or found an extra one. */
export type Disagreement = "mismatch" | "missed" | "extra";

const FLAG_CODE: Record<Disagreement | "agree", number> = { agree: 0, mismatch: 1, missed: 2, extra: 3 };

/**
 * Labels are compared as AAMI classes (so reference "L" agrees with predicted "N"). A beat with only one
 * side counts only when the record has both sides at all (a viewer of reference labels alone has none).
 */
export function disagreement(beat: ViewerBeat, hasRef: boolean, hasPred: boolean): Disagreement | undefined {
  const { reference: r, predicted: p } = beat;
  if (r !== undefined && p !== undefined) return beatClass(r) === beatClass(p) ? undefined : "mismatch";
  if (!hasRef || !hasPred) return undefined;
  if (r !== undefined) return "missed";
  if (p !== undefined) return "extra";
  return undefined;
}

/** The signal as little-endian Int16 (base64) with one scale: a 30-min record is ~1.7 MB of text. */
export function encodeSignal(signal: Float32Array): { base64: string; scale: number } {
  let maxAbs = 0;
  for (const v of signal) if (Number.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(v));
  const scale = maxAbs > 0 ? maxAbs / 32000 : 1;
  const buf = Buffer.alloc(signal.length * 2);
  for (let i = 0; i < signal.length; i++) {
    const v = signal[i]!;
    // -32768 is the gap marker; valid values stay within ±32000.
    buf.writeInt16LE(Number.isFinite(v) ? Math.round(v / scale) : -32768, i * 2);
  }
  return { base64: buf.toString("base64"), scale };
}

export function formatTime(seconds: number, decimals = 0): string {
  const sign = seconds < 0 ? "-" : "";
  const s = Math.abs(seconds);
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  const sec =
    decimals > 0
      ? rest.toFixed(decimals).padStart(3 + decimals, "0")
      : String(Math.floor(rest)).padStart(2, "0");
  return `${sign}${String(m).padStart(2, "0")}:${sec}`;
}

function summaryRows(summary: ViewerInput["summary"]): [string, string][] {
  if (Array.isArray(summary)) return summary.map((r) => [r.label, r.value]);
  return Object.entries(summary).map(([k, v]) => [
    k,
    typeof v === "string" ? v : typeof v === "number" ? String(v) : JSON.stringify(v),
  ]);
}

const KIND_TEXT: Record<Disagreement, string> = {
  mismatch: "label differs",
  missed: "no prediction",
  extra: "no reference beat",
};

export function buildViewerHtml(input: ViewerInput): string {
  const beats = [...input.beats].sort((a, b) => a.sample - b.sample);
  const hasRef = beats.some((b) => b.reference !== undefined);
  const hasPred = beats.some((b) => b.predicted !== undefined);
  const flags = beats.map((b) => disagreement(b, hasRef, hasPred));
  const { base64, scale } = encodeSignal(input.signal);
  const data = {
    record: input.record,
    fs: input.fs,
    lead: input.lead,
    scale,
    signal: base64,
    hasRef,
    hasPred,
    beats: {
      sample: beats.map((b) => b.sample),
      ref: beats.map((b) => b.reference ?? ""),
      pred: beats.map((b) => b.predicted ?? ""),
      // AAMI class index for colouring; -1 when that side is absent.
      refClass: beats.map((b) => (b.reference === undefined ? -1 : beatClass(b.reference))),
      predClass: beats.map((b) => (b.predicted === undefined ? -1 : beatClass(b.predicted))),
      prob: beats.map((b) => {
        const p = b.probs;
        return p && p.length > 0 ? Math.round(Math.max(...p) * 1000) / 1000 : null;
      }),
      flag: flags.map((f) => FLAG_CODE[f ?? "agree"]),
    },
  };
  const duration = input.signal.length / input.fs;
  const jumpItems = beats
    .map((b, i) => ({ b, i, f: flags[i] }))
    .filter((x): x is { b: ViewerBeat; i: number; f: Disagreement } => x.f !== undefined)
    .map(
      ({ b, i, f }) =>
        `<li><button type="button" class="jump ${f}" data-beat="${i}">` +
        `<span class="t">${formatTime(b.sample / input.fs, 2)}</span> ` +
        `ref <b>${escapeHtml(b.reference ?? "–")}</b> · pred <b>${escapeHtml(b.predicted ?? "–")}</b> ` +
        `<span class="kind">${KIND_TEXT[f]}</span></button></li>`,
    );
  const jumpSection = !hasPred
    ? '<p class="note">No predictions: run <code>ecg view --model FILE</code> to compare a classifier with the reference labels.</p>'
    : !hasRef
      ? '<p class="note">No reference annotations for this record.</p>'
      : jumpItems.length === 0
        ? '<p class="note">The classifier agrees with every reference beat.</p>'
        : `<ol id="jump-list">\n${jumpItems.join("\n")}\n</ol>`;
  const title = `Record ${input.record} · ${input.lead}`;
  const body = `
<header>
  <h1>${escapeHtml(title)}</h1>
  <p class="muted">${escapeHtml(`${input.fs} Hz · ${formatTime(duration)} · ${input.signal.length.toLocaleString("en")} samples · ${beats.length} beats`)}</p>
</header>
<div class="toolbar" role="toolbar" aria-label="strip controls">
  <button type="button" id="zoom-in" title="zoom in (+)">+</button>
  <button type="button" id="zoom-out" title="zoom out (−)">−</button>
  <span class="group">window:
    <button type="button" data-span="2">2 s</button><button type="button" data-span="10">10 s</button><button type="button" data-span="30">30 s</button><button type="button" data-span="60">1 min</button><button type="button" data-span="300">5 min</button><button type="button" data-span="all">all</button>
  </span>
  <span class="group"><button type="button" id="prev-dis" title="previous disagreement (p)">◀ prev</button><button type="button" id="next-dis" title="next disagreement (n)">next ▶</button></span>
  <label><input type="checkbox" id="fit-y"> fit amplitude to window</label>
  <span id="window-label" aria-live="polite"></span>
</div>
<div class="strip-wrap"><canvas id="strip" tabindex="0" aria-label="ECG strip: wheel to zoom, drag to pan"></canvas></div>
<input type="range" id="scroll" min="0" max="0" step="0.01" value="0" aria-label="position in the record">
<canvas id="overview" aria-label="whole record: click to move the window"></canvas>
<div id="beat-info" class="muted">Click a beat for its labels. Wheel: zoom · drag or scroll bar: pan · ←/→ pan · +/− zoom · n/p: next/previous disagreement.</div>
<div class="legend"><span class="sw c0">N</span><span class="sw c1">S</span><span class="sw c2">V</span><span class="sw c3">F</span><span class="sw c4">Q</span>
  <span class="sw dis">disagreement</span> reference labels above the trace, predicted below.</div>
<div class="below">
  <section id="disagreements"><h2>Disagreements (${jumpItems.length})</h2>${jumpSection}</section>
  <section id="summary"><h2>Summary</h2>${keyValueTable(summaryRows(input.summary), 'id="summary-table"')}</section>
</div>
<script type="application/json" id="ecg-data">${jsonForScript(data)}</script>`;
  return page(title, body, VIEWER_CSS, `<script>${VIEWER_SCRIPT}</script>`);
}
