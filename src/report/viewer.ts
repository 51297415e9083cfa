// The record viewer: one self-contained HTML page with the ECG strip on a canvas (only the visible window is
// drawn, min/max per pixel when zoomed out, so a 650,000-sample record stays responsive), beat labels
// (reference MIT-BIH symbols with their AAMI class above, predicted classes below), the R-R intervals
// under it on a heart-rate scale, disagreements over the scored span highlighted, lists of them and of
// the beats called S, V and F, a clicked beat's five probabilities, the summary table and the rhythm
// summary (heart rate by hour, couplets, runs, pauses). `#sample=N` or `#t=SECONDS` in the page's
// address opens it on that beat or time (the run report links to beats so).
import { beatClass } from "../eval/bxb-reference.js";
import type { ClinicalSummary } from "../record/clinical-summary.js";
import { CLASS_NAMES } from "../vocabulary.js";
import { beatMeaning } from "../wfdb/annotation-codes.js";
import { escapeHtml, jsonForScript, keyValueTable, page } from "./html.js";
import { VIEWER_CSS, VIEWER_SCRIPT } from "./viewer-client.js";
import { rhythmSectionHtml } from "./viewer-rhythm.js";

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
  /** The span the beat-by-beat comparison scores; every beat when absent. */
  scored?: ScoredSpan;
  /** The clinical summary of the beats shown (the model's, else the reference's). */
  clinical?: ClinicalSummary;
  /** Lines the page must show above the strip (a model that has seen the patient). */
  warnings?: string[];
}

/** What a scoring protocol compares: from `start` (sample) on, outside `excluded` (VF episodes). */
export interface ScoredSpan {
  start: number;
  excluded: ReadonlyArray<{ from: number; to: number }>;
  /** The protocol, in words (describeProtocol). */
  protocol: string;
}

/** Whether a beat at `sample` is inside the scored span (every beat is without one). */
export function inScoredSpan(sample: number, span: ScoredSpan | undefined): boolean {
  if (span === undefined) return true;
  return sample >= span.start && !span.excluded.some((e) => e.from <= sample && sample <= e.to);
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

/** The classes the page lists beats of (the ectopic ones and fusion). */
const LISTED_CLASSES = ["S", "V", "F"] as const;

/** "A" → "A·S" (a MIT-BIH symbol with its AAMI class); an AAMI letter stays as it is. */
export function symbolWithClass(symbol: string): string {
  const cls = CLASS_NAMES[beatClass(symbol)]!;
  return symbol === cls ? symbol : `${symbol}·${cls}`;
}

function beatButton(b: ViewerBeat, i: number, fs: number, cls: string, extra = ""): string {
  const p = b.probs;
  const prob =
    b.predicted !== undefined && p && p.length > 0
      ? ` <span class="p">p ${Math.max(...p).toFixed(2)}</span>`
      : "";
  return (
    `<li><button type="button" class="${cls}" data-beat="${i}">` +
    `<span class="t">${formatTime(b.sample / fs, 2)}</span> ` +
    `ref <b>${escapeHtml(b.reference === undefined ? "–" : symbolWithClass(b.reference))}</b> · pred <b>${escapeHtml(b.predicted ?? "–")}</b>${prob}` +
    `${extra}</button></li>`
  );
}

/** The reference's symbols with their AAMI class, meaning and count: "A·S atrial premature beat 33". */
function symbolRows(beats: ViewerBeat[]): string {
  const counts = new Map<string, number>();
  for (const b of beats)
    if (b.reference !== undefined) counts.set(b.reference, (counts.get(b.reference) ?? 0) + 1);
  const rows = [...counts]
    .sort((a, b) => beatClass(a[0]) - beatClass(b[0]) || b[1] - a[1])
    .map(
      ([sym, n]) =>
        `<tr><td><b>${escapeHtml(sym)}</b></td><td><span class="sw c${beatClass(sym)}">${CLASS_NAMES[beatClass(sym)]}</span></td>` +
        `<td>${escapeHtml(beatMeaning(sym) ?? "not a beat code")}</td><td>${n.toLocaleString("en")}</td></tr>`,
    );
  if (rows.length === 0) return "";
  return (
    `<table id="symbol-table"><thead><tr><th>symbol</th><th>AAMI</th><th>meaning</th><th>beats</th></tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table>`
  );
}

export function buildViewerHtml(input: ViewerInput): string {
  const beats = [...input.beats].sort((a, b) => a.sample - b.sample);
  const hasRef = beats.some((b) => b.reference !== undefined);
  const hasPred = beats.some((b) => b.predicted !== undefined);
  const scoredBeat = beats.map((b) => inScoredSpan(b.sample, input.scored));
  const flags = beats.map((b, i) => (scoredBeat[i] ? disagreement(b, hasRef, hasPred) : undefined));
  const { base64, scale } = encodeSignal(input.signal);
  const data = {
    record: input.record,
    fs: input.fs,
    lead: input.lead,
    scale,
    signal: base64,
    hasRef,
    hasPred,
    classes: CLASS_NAMES,
    scored: input.scored
      ? {
          start: input.scored.start,
          excluded: input.scored.excluded.map((e) => [e.from, Math.min(e.to, input.signal.length)]),
          protocol: input.scored.protocol,
        }
      : null,
    beats: {
      sample: beats.map((b) => b.sample),
      ref: beats.map((b) => b.reference ?? ""),
      pred: beats.map((b) => b.predicted ?? ""),
      // AAMI class index for colouring; -1 when that side is absent.
      refClass: beats.map((b) => (b.reference === undefined ? -1 : beatClass(b.reference))),
      predClass: beats.map((b) => (b.predicted === undefined ? -1 : beatClass(b.predicted))),
      refMeaning: beats.map((b) => (b.reference === undefined ? "" : (beatMeaning(b.reference) ?? ""))),
      prob: beats.map((b) => {
        const p = b.probs;
        return p && p.length > 0 ? Math.round(Math.max(...p) * 1000) / 1000 : null;
      }),
      // All five probabilities (N S V F Q), to 3 decimals; null without a prediction.
      probs: beats.map((b) =>
        b.probs && b.probs.length > 0 ? b.probs.map((v) => Math.round(v * 1000) / 1000) : null,
      ),
      flag: flags.map((f) => FLAG_CODE[f ?? "agree"]),
      scored: scoredBeat.map((x) => (x ? 1 : 0)),
    },
  };
  const duration = input.signal.length / input.fs;
  const jumpItems = beats
    .map((b, i) => ({ b, i, f: flags[i] }))
    .filter((x): x is { b: ViewerBeat; i: number; f: Disagreement } => x.f !== undefined)
    .map(({ b, i, f }) =>
      beatButton(b, i, input.fs, `jump ${f}`, ` <span class="kind">${KIND_TEXT[f]}</span>`),
    );
  const spanNote = input.scored
    ? `<p class="muted scored-note">Over the scored span only (${escapeHtml(input.scored.protocol)}).</p>`
    : "";
  const jumpSection = !hasPred
    ? '<p class="note">No predictions: run <code>ecg view --model FILE</code> to compare a classifier with the reference labels.</p>'
    : !hasRef
      ? '<p class="note">No reference annotations for this record.</p>'
      : jumpItems.length === 0
        ? `${spanNote}<p class="note">The classifier agrees with every reference beat.</p>`
        : `${spanNote}<ol id="jump-list">\n${jumpItems.join("\n")}\n</ol>`;
  // Lists of the beats of each listed class: the model's labels, else the reference's.
  const by = hasPred ? "the model" : "the reference";
  const classOf = (b: ViewerBeat): string | undefined =>
    hasPred ? b.predicted : b.reference === undefined ? undefined : CLASS_NAMES[beatClass(b.reference)];
  const classLists = LISTED_CLASSES.map((c) => {
    const items = beats
      .map((b, i) => ({ b, i }))
      .filter(({ b }) => classOf(b) === c)
      .map(({ b, i }) => beatButton(b, i, input.fs, `pick${flags[i] !== undefined ? " dis" : ""}`));
    return { c, items };
  });
  const tabs = [
    { id: "dis", label: `Disagreements (${jumpItems.length})`, html: jumpSection, show: true },
    ...classLists.map(({ c, items }) => ({
      id: c,
      label: `${c} (${items.length})`,
      html:
        items.length === 0
          ? `<p class="note">No beat called ${c} by ${by}.</p>`
          : `<p class="muted">Beats ${by} calls ${c}, in time order.</p><ol class="beat-list" id="list-${c}">\n${items.join("\n")}\n</ol>`,
      show: true,
    })),
  ];
  const firstTab = hasPred && hasRef ? "dis" : (classLists.find((l) => l.items.length > 0)?.c ?? "dis");
  const tabBar = tabs
    .map(
      (t) =>
        `<button type="button" role="tab" class="tab" id="tab-${t.id}" data-list="${t.id}" aria-controls="panel-${t.id}" aria-selected="${t.id === firstTab}">${escapeHtml(t.label)}</button>`,
    )
    .join("");
  const panels = tabs
    .map(
      (t) =>
        `<div role="tabpanel" class="panel" id="panel-${t.id}"${t.id === firstTab ? "" : " hidden"}>${t.html}</div>`,
    )
    .join("\n");
  const warnings = (input.warnings ?? [])
    .map((w) => `<p class="warning" role="alert">${escapeHtml(w)}</p>`)
    .join("");
  const title = `Record ${input.record} · ${input.lead}`;
  const body = `
<header>
  <h1>${escapeHtml(title)}</h1>
  <p class="muted">${escapeHtml(`${input.fs} Hz · ${formatTime(duration)} · ${input.signal.length.toLocaleString("en")} samples · ${beats.length} beats`)}</p>
  ${warnings}
</header>
<div class="toolbar" role="toolbar" aria-label="strip controls">
  <button type="button" id="zoom-in" title="zoom in (+)">+</button>
  <button type="button" id="zoom-out" title="zoom out (−)">−</button>
  <span class="group">window:
    <button type="button" data-span="2">2 s</button><button type="button" data-span="10">10 s</button><button type="button" data-span="30">30 s</button><button type="button" data-span="60">1 min</button><button type="button" data-span="300">5 min</button><button type="button" data-span="all">all</button>
  </span>
  <span class="group"><button type="button" id="prev-dis" title="previous beat of the list shown (p)">◀ prev</button><button type="button" id="next-dis" title="next beat of the list shown (n)">next ▶</button></span>
  <label><input type="checkbox" id="fit-y"> fit amplitude to window</label>
  <span id="window-label" aria-live="polite"></span>
</div>
<div class="strip-wrap"><canvas id="strip" tabindex="0" aria-label="ECG strip: wheel to zoom, drag to pan"></canvas>
<canvas id="rr" aria-label="R-R intervals of the window, on a heart-rate scale: click a point for its beat"></canvas></div>
<input type="range" id="scroll" min="0" max="0" step="0.01" value="0" aria-label="position in the record">
<canvas id="overview" aria-label="whole record: click to move the window"></canvas>
<div id="beat-info" class="muted" aria-live="polite">Click a beat for its labels and probabilities. Wheel: zoom · drag or scroll bar: pan · ←/→ pan · +/− zoom · n/p: next/previous beat of the list shown.</div>
<div class="legend"><span class="sw c0">N</span><span class="sw c1">S</span><span class="sw c2">V</span><span class="sw c3">F</span><span class="sw c4">Q</span>
  <span class="sw dis">disagreement</span>${input.scored && (input.scored.start > 0 || input.scored.excluded.length > 0) ? ' <span class="sw unscored">not scored</span>' : ""} reference symbols (·AAMI class) above the trace, predicted classes below; R-R intervals beneath.</div>
<div class="below">
  <section id="beat-lists"><h2>Beats</h2><div class="tabs" role="tablist">${tabBar}</div>
${panels}</section>
  <section id="summary"><h2>Summary</h2>${keyValueTable(summaryRows(input.summary), 'id="summary-table"')}
${symbolRows(beats)}
${input.clinical ? rhythmSectionHtml(input.clinical) : ""}</section>
</div>
<script type="application/json" id="ecg-data">${jsonForScript(data)}</script>`;
  return page(title, body, VIEWER_CSS, `<script>${VIEWER_SCRIPT}</script>`);
}
