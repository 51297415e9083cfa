// The viewer page's own CSS and browser script, inlined by viewer.ts. The script is plain browser JS (the
// project's tsconfig has no DOM types); headless Chromium tests (test/viewer-chromium.test.ts) exercise it.
// It reads the JSON in #ecg-data, decodes the Int16 signal once, and redraws only the visible window: the
// strip, the R-R intervals under it (#rr) and the overview. The lists (disagreements, beats called S, V,
// F; the rhythm section's episodes) move the window to their beat; so does `#sample=N` / `#t=SECONDS`.
// It must contain no backtick, no "${" and no closing script tag (it sits in String.raw and a <script>).

export const VIEWER_CSS = `
body { max-width: none; }
header h1 { margin-bottom: 0; }
.toolbar { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; margin: 10px 0 6px; }
.toolbar button { font: inherit; padding: 2px 9px; border: 1px solid #bbb; border-radius: 4px; background: #f8f8f8;
  cursor: pointer; }
.toolbar button:hover { background: #eef4fb; }
.toolbar .group button + button { margin-left: 3px; }
#window-label { font-variant-numeric: tabular-nums; color: #333; margin-left: auto; }
.strip-wrap { border: 1px solid #ccc; }
#strip { display: block; width: 100%; height: 300px; cursor: grab; touch-action: none; }
#strip:active { cursor: grabbing; }
#scroll { display: block; width: 100%; margin: 6px 0 2px; }
#overview { display: block; width: 100%; height: 54px; border: 1px solid #ddd; cursor: pointer; touch-action: none; }
#beat-info { margin: 6px 0; min-height: 1.4em; }
#beat-info.dis { color: #b00; }
.legend { font-size: 13px; color: #555; }
.legend .sw { display: inline-block; padding: 0 6px; margin-right: 4px; border-radius: 3px; color: #fff; font-weight: bold; }
.legend .c0 { background: #555; } .legend .c1 { background: #1f77b4; } .legend .c2 { background: #8e44ad; }
.legend .c3 { background: #b8860b; } .legend .c4 { background: #16a085; }
.legend .dis { background: rgba(214, 39, 40, 0.25); color: #b00; }
.below { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
#disagreements { flex: 1 1 420px; }
#summary { flex: 1 1 360px; }
#jump-list { max-height: 420px; overflow: auto; margin: 0; padding: 0 0 0 3.2em; border: 1px solid #eee; }
#jump-list li { margin: 1px 0; }
#jump-list button { font: inherit; background: none; border: 0; padding: 1px 4px; cursor: pointer; text-align: left;
  width: 100%; border-radius: 3px; }
#jump-list button:hover { background: #fdecea; }
#jump-list button.active { background: #ffe0b2; outline: 1px solid #ff9800; }
#jump-list .t { font-variant-numeric: tabular-nums; color: #333; }
#jump-list .kind { color: #999; font-size: 12px; }
#jump-list .mismatch b { color: #b00; }
#rr { display: block; width: 100%; height: 110px; border-top: 1px solid #e4e4e4; cursor: crosshair; }
.warning { background: #fff4e5; border: 1px solid #f0a030; color: #7a4100; padding: 6px 10px; border-radius: 4px;
  margin: 8px 0; font-weight: 600; }
.legend .unscored { background: #e9e9e9; color: #666; }
#beat-lists { flex: 1 1 420px; }
.tabs { display: flex; flex-wrap: wrap; gap: 4px; margin: 0 0 6px; }
.tab { font: inherit; padding: 3px 10px; border: 1px solid #bbb; border-radius: 4px 4px 0 0; background: #f4f4f4; cursor: pointer; }
.tab[aria-selected="true"] { background: #fff; border-bottom-color: #fff; font-weight: 600; }
.beat-list { max-height: 420px; overflow: auto; margin: 0; padding: 0 0 0 3.6em; border: 1px solid #eee; }
.beat-list li { margin: 1px 0; }
.beat-list button, #rhythm-events button { font: inherit; background: none; border: 0; padding: 1px 4px; cursor: pointer;
  text-align: left; width: 100%; border-radius: 3px; }
.beat-list button:hover, #rhythm-events button:hover { background: #eef4fb; }
.beat-list button.active, #rhythm-events button.active { background: #ffe0b2; outline: 1px solid #ff9800; }
.beat-list button.dis b { color: #b00; }
.beat-list .t, #rhythm-events .t { font-variant-numeric: tabular-nums; color: #333; }
.p { color: #777; font-size: 12px; }
#beat-info .line { display: block; }
#beat-info .probs { display: flex; flex-wrap: wrap; gap: 4px 14px; margin-top: 4px; color: #333; }
#beat-info .prob { display: inline-flex; align-items: center; gap: 4px; font-variant-numeric: tabular-nums; }
#beat-info .bar { display: inline-block; height: 9px; background: #ddd; width: 60px; position: relative; }
#beat-info .bar i { position: absolute; left: 0; top: 0; bottom: 0; }
#beat-info .prob.top { font-weight: 700; }
#beat-info .more { display: block; margin-top: 3px; color: #555; }
#symbol-table td:nth-child(3) { text-align: left; }
.sw { display: inline-block; padding: 0 6px; border-radius: 3px; color: #fff; font-weight: bold; }
.sw.c0 { background: #555; } .sw.c1 { background: #1f77b4; } .sw.c2 { background: #8e44ad; }
.sw.c3 { background: #b8860b; } .sw.c4 { background: #16a085; }
#rhythm details { margin: 4px 0; }
#rhythm details ol { max-height: 220px; overflow: auto; margin: 2px 0; padding-left: 3.2em; }
#rhythm .event-none { margin: 4px 0; color: #666; }
`;

// String.raw: the escapes written in the script (a \u00b7 in a string, \d in a regular expression) reach the
// browser as written.
export const VIEWER_SCRIPT = String.raw`
(() => {
  "use strict";
  const data = JSON.parse(document.getElementById("ecg-data").textContent);
  const fs = data.fs;
  const scale = data.scale;
  const GAP = -32768;
  const raw = (() => {
    const bin = atob(data.signal);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Int16Array(bytes.buffer, 0, bytes.length >> 1);
  })();
  const n = raw.length;
  const duration = Math.max(n / fs, 1 / fs);
  const beats = data.beats;
  const nb = beats.sample.length;
  const CLASS_COLOURS = ["#555", "#1f77b4", "#8e44ad", "#b8860b", "#16a085"];
  const DIS_COLOUR = "#d62728";
  const KIND = ["", "label differs", "no prediction", "no reference beat"];
  const CLASSES = data.classes;
  const scoredSpan = data.scored;
  const disagreements = [];
  for (let i = 0; i < nb; i++) if (beats.flag[i] > 0) disagreements.push(i);
  // The spans the comparison does not score: before its start, and the reference VF episodes.
  const unscored = [];
  if (scoredSpan) {
    if (scoredSpan.start > 0) unscored.push([0, Math.min(scoredSpan.start, n)]);
    for (const e of scoredSpan.excluded) unscored.push([e[0], e[1]]);
  }
  function refText(i) {
    const sym = beats.ref[i];
    const cls = beats.refClass[i] >= 0 ? CLASSES[beats.refClass[i]] : "";
    return sym === cls || !cls ? sym : sym + "\u00b7" + cls;
  }

  // R-R intervals: of the model's beats when there are any, else of the reference's.
  const rrSide = data.hasPred ? beats.pred : beats.ref;
  const rrClass = data.hasPred ? beats.predClass : beats.refClass;
  const series = [];
  for (let i = 0; i < nb; i++) if (rrSide[i]) series.push(i);
  const rrBefore = new Float64Array(nb).fill(NaN), rrAfter = new Float64Array(nb).fill(NaN);
  for (let k = 1; k < series.length; k++) {
    const rr = (beats.sample[series[k]] - beats.sample[series[k - 1]]) / fs;
    rrBefore[series[k]] = rr;
    rrAfter[series[k - 1]] = rr;
  }
  // The R-R axis: from 0 to a little over the longest interval (1.2 s at least, 6.5 s at most; longer
  // intervals are drawn at the top, larger).
  const RR_TOP = (() => {
    let max = 0;
    for (const i of series) if (Number.isFinite(rrBefore[i])) max = Math.max(max, rrBefore[i]);
    return Math.min(6.5, Math.max(1.2, max * 1.12));
  })();
  const PAUSE_S = 2;

  const strip = document.getElementById("strip");
  const overview = document.getElementById("overview");
  const scroll = document.getElementById("scroll");
  const windowLabel = document.getElementById("window-label");
  const info = document.getElementById("beat-info");
  const lists = document.getElementById("beat-lists");
  const rhythm = document.getElementById("rhythm");
  const rrCanvas = document.getElementById("rr");
  const fitY = document.getElementById("fit-y");

  const STRIP_H = 300, AXIS = 22, OVERVIEW_H = 54, RR_H = 110;
  // Label bands: reference above the trace, predicted below; a side with no labels gets no band.
  const BAND_TOP = data.hasRef ? 24 : 4, BAND_BOTTOM = data.hasPred ? 24 : 4;
  const MIN_SPAN = Math.min(duration, 0.5);
  const state = { start: 0, span: Math.min(10, duration), selected: -1 };

  // Amplitude range from percentiles, so one artefact does not flatten the whole trace.
  function amplitudeRange(from, to, tail) {
    const step = Math.max(1, Math.floor((to - from) / 50000));
    const vals = [];
    for (let i = from; i < to; i += step) if (raw[i] !== GAP) vals.push(raw[i]);
    if (vals.length === 0) return [-1, 1];
    vals.sort((a, b) => a - b);
    let lo = vals[Math.floor((vals.length - 1) * tail)] * scale;
    let hi = vals[Math.ceil((vals.length - 1) * (1 - tail))] * scale;
    if (hi - lo < 0.2) { const mid = (hi + lo) / 2; lo = mid - 0.1; hi = mid + 0.1; }
    const pad = (hi - lo) * 0.08;
    return [lo - pad, hi + pad];
  }
  const globalRange = amplitudeRange(0, n, 0.0005);

  function lowerBound(arr, v) {
    let lo = 0, hi = arr.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (arr[mid] < v) lo = mid + 1; else hi = mid; }
    return lo;
  }

  function pad2(v) { return (v < 10 ? "0" : "") + v; }
  function formatTime(t, decimals) {
    const m = Math.floor(t / 60);
    let s = t - m * 60;
    if (decimals > 0) {
      const str = s.toFixed(decimals);
      return pad2(m) + ":" + (s < 10 ? "0" : "") + str;
    }
    return pad2(m) + ":" + pad2(Math.floor(s + 1e-9));
  }
  const STEPS = [0.04, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200];
  function timeStep(span, width) {
    const want = span * 90 / Math.max(1, width);
    for (const s of STEPS) if (s >= want) return s;
    return STEPS[STEPS.length - 1];
  }
  function niceStep(range) {
    const raw = range / 6;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
    return 10 * p;
  }

  function sizeCanvas(canvas, cssH) {
    const w = Math.max(50, canvas.clientWidth);
    const dpr = window.devicePixelRatio || 1;
    const pw = Math.round(w * dpr), ph = Math.round(cssH * dpr);
    if (canvas.width !== pw || canvas.height !== ph) { canvas.width = pw; canvas.height = ph; }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { ctx, w, h: cssH };
  }

  function clampWindow() {
    state.span = Math.max(MIN_SPAN, Math.min(duration, state.span));
    state.start = Math.max(0, Math.min(duration - state.span, state.start));
  }

  let pending = false;
  function setWindow(start, span) {
    state.start = start;
    if (span !== undefined) state.span = span;
    clampWindow();
    updateControls();
    if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; render(); }); }
  }

  function updateControls() {
    scroll.max = String(Math.max(0, duration - state.span));
    scroll.value = String(state.start);
    const d = state.span < 20 ? 1 : 0;
    windowLabel.textContent = formatTime(state.start, d) + " – " + formatTime(state.start + state.span, d) +
      "  (" + (state.span < 60 ? state.span.toFixed(1) + " s" : (state.span / 60).toFixed(1) + " min") + " shown)";
    strip.dataset.start = state.start.toFixed(3);
    strip.dataset.end = (state.start + state.span).toFixed(3);
    strip.dataset.selected = String(state.selected);
  }

  function drawStrip() {
    const { ctx, w, h } = sizeCanvas(strip, STRIP_H);
    const yTop = BAND_TOP, yBot = h - AXIS - BAND_BOTTOM;
    const pxPerSec = w / state.span;
    const xOf = (t) => (t - state.start) * pxPerSec;
    const s0 = Math.max(0, Math.floor(state.start * fs));
    const s1 = Math.min(n, Math.ceil((state.start + state.span) * fs) + 1);
    const [lo, hi] = fitY.checked ? amplitudeRange(s0, s1, 0) : globalRange;
    const yOf = (mv) => yBot - ((mv - lo) / (hi - lo)) * (yBot - yTop);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);

    // Grid: time ticks (ECG-paper pink) and amplitude lines.
    const step = timeStep(state.span, w);
    const decimals = step < 0.1 ? 2 : step < 1 ? 1 : 0;
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#f4cccc";
    ctx.beginPath();
    const firstTick = Math.ceil(state.start / step - 1e-9) * step;
    for (let t = firstTick; t <= state.start + state.span + 1e-9; t += step) {
      const x = Math.round(xOf(t)) + 0.5;
      ctx.moveTo(x, yTop); ctx.lineTo(x, yBot);
    }
    const vStep = niceStep(hi - lo);
    for (let v = Math.ceil(lo / vStep) * vStep; v <= hi; v += vStep) {
      const y = Math.round(yOf(v)) + 0.5;
      ctx.moveTo(0, y); ctx.lineTo(w, y);
    }
    ctx.stroke();

    // Beats in (or just outside) the window.
    const b0 = lowerBound(beats.sample, s0 - fs);
    const b1 = lowerBound(beats.sample, s1 + fs);
    // Spans the comparison does not score: grey, named where there is room.
    for (const u of unscored) {
      const x0 = Math.max(0, xOf(u[0] / fs)), x1 = Math.min(w, xOf(u[1] / fs));
      if (x1 <= x0) continue;
      ctx.fillStyle = "rgba(120, 120, 120, 0.13)";
      ctx.fillRect(x0, 0, x1 - x0, yBot + BAND_BOTTOM);
      if (x1 - x0 > 90) {
        ctx.fillStyle = "#888";
        ctx.font = "11px DejaVu Sans, sans-serif";
        ctx.textAlign = "left";
        ctx.textBaseline = "middle";
        ctx.fillText("not scored", x0 + 34, BAND_TOP + 10);
      }
    }
    const bandW = Math.max(6, 0.3 * pxPerSec);
    ctx.fillStyle = "rgba(214, 39, 40, 0.16)";
    for (let i = b0; i < b1; i++) {
      if (beats.flag[i] > 0) ctx.fillRect(xOf(beats.sample[i] / fs) - bandW / 2, 0, bandW, yBot + BAND_BOTTOM);
    }
    if (state.selected >= b0 && state.selected < b1) {
      ctx.strokeStyle = "#ff9800";
      ctx.lineWidth = 2;
      ctx.strokeRect(xOf(beats.sample[state.selected] / fs) - bandW / 2 - 2, 1, bandW + 4, yBot + BAND_BOTTOM - 2);
    }

    // The trace: min/max per pixel column when zoomed out, every sample when zoomed in.
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, yTop, w, yBot - yTop);
    ctx.clip();
    ctx.strokeStyle = "#111";
    ctx.lineWidth = 1.2;
    ctx.lineJoin = "round";
    ctx.beginPath();
    const spp = (s1 - s0) / w;
    let penDown = false;
    if (spp > 2) {
      for (let px = 0; px < w; px++) {
        const a = Math.max(0, Math.floor((state.start + px / pxPerSec) * fs));
        const b = Math.min(n, Math.floor((state.start + (px + 1) / pxPerSec) * fs));
        let mn = Infinity, mx = -Infinity;
        for (let s = a; s < b; s++) { const v = raw[s]; if (v === GAP) continue; if (v < mn) mn = v; if (v > mx) mx = v; }
        if (mn === Infinity) { penDown = false; continue; }
        const yMax = yOf(mx * scale), yMin = yOf(mn * scale);
        if (penDown) ctx.lineTo(px + 0.5, yMax); else ctx.moveTo(px + 0.5, yMax);
        ctx.lineTo(px + 0.5, yMin);
        penDown = true;
      }
    } else {
      for (let s = s0; s < s1; s++) {
        const v = raw[s];
        if (v === GAP) { penDown = false; continue; }
        const x = xOf(s / fs), y = yOf(v * scale);
        if (penDown) ctx.lineTo(x, y); else ctx.moveTo(x, y);
        penDown = true;
      }
    }
    ctx.stroke();
    ctx.restore();

    // Band separators and their names.
    ctx.strokeStyle = "#ddd";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, yTop + 0.5); ctx.lineTo(w, yTop + 0.5);
    ctx.moveTo(0, yBot + 0.5); ctx.lineTo(w, yBot + 0.5);
    ctx.moveTo(0, yBot + BAND_BOTTOM + 0.5); ctx.lineTo(w, yBot + BAND_BOTTOM + 0.5);
    ctx.stroke();

    // Labels: letters when there is room, coloured ticks when zoomed far out.
    const visible = Math.max(1, b1 - b0);
    const letters = w / visible >= 14;
    ctx.font = "bold 13px DejaVu Sans, sans-serif";
    ctx.textAlign = "center";
    for (let i = b0; i < b1; i++) {
      const x = xOf(beats.sample[i] / fs);
      if (x < -10 || x > w + 10) continue;
      const dis = beats.flag[i] > 0;
      const label = (text, cls, yMid, sub) => {
        if (!text) return;
        ctx.fillStyle = dis ? DIS_COLOUR : CLASS_COLOURS[cls] || "#555";
        if (!letters) { ctx.fillRect(x - 1, yMid - 7, 2, 14); return; }
        if (!sub) { ctx.fillText(text, x, yMid); return; }
        // A MIT-BIH symbol with its AAMI class after it, smaller: "A" then "S".
        const tw = ctx.measureText(text).width;
        ctx.textAlign = "right";
        ctx.fillText(text, x + tw / 2, yMid);
        ctx.font = "bold 9px DejaVu Sans, sans-serif";
        ctx.textAlign = "left";
        ctx.fillText(sub, x + tw / 2 + 1, yMid + 3);
        ctx.font = "bold 13px DejaVu Sans, sans-serif";
        ctx.textAlign = "center";
      };
      const refCls = beats.refClass[i] >= 0 ? CLASSES[beats.refClass[i]] : "";
      label(beats.ref[i], beats.refClass[i], BAND_TOP / 2 + 1, beats.ref[i] !== refCls ? refCls : "");
      label(beats.pred[i], beats.predClass[i], yBot + BAND_BOTTOM / 2 + 1);
      if (letters) {
        // Small ticks mark where the beat is on the trace's edges.
        ctx.fillStyle = "#bbb";
        ctx.fillRect(x - 0.5, yTop, 1, 4);
        ctx.fillRect(x - 0.5, yBot - 4, 1, 4);
      }
    }

    // Axes: mm:ss under the strip, mV on the left.
    ctx.fillStyle = "#333";
    ctx.font = "11px DejaVu Sans, sans-serif";
    ctx.textBaseline = "middle";
    for (let t = firstTick; t <= state.start + state.span + 1e-9; t += step) {
      const x = xOf(t);
      ctx.textAlign = x < 20 ? "left" : x > w - 20 ? "right" : "center";
      ctx.fillText(formatTime(t, decimals), x, h - AXIS / 2);
    }
    ctx.textAlign = "left";
    ctx.fillStyle = "#888";
    for (let v = Math.ceil(lo / vStep) * vStep; v <= hi; v += vStep) {
      const y = yOf(v);
      if (y > yTop + 8 && y < yBot - 4) ctx.fillText((Math.abs(v) < 1e-9 ? 0 : v).toFixed(vStep < 0.1 ? 2 : 1) + " mV", 3, y - 7);
    }
    ctx.font = "10px DejaVu Sans, sans-serif";
    ctx.textBaseline = "middle";
    const bandName = (text, yMid) => {
      ctx.fillStyle = "rgba(255, 255, 255, 0.9)";
      ctx.fillRect(0, yMid - 7, ctx.measureText(text).width + 6, 14);
      ctx.fillStyle = "#999";
      ctx.fillText(text, 3, yMid);
    };
    if (data.hasRef) bandName("ref", BAND_TOP / 2);
    if (data.hasPred) bandName("pred", yBot + BAND_BOTTOM / 2);
  }

  // The R-R interval before each beat, in seconds, with the heart rate it is (60 / R-R) on the right.
  function drawRR() {
    const { ctx, w, h } = sizeCanvas(rrCanvas, RR_H);
    const top = 10, bot = h - 8;
    const pxPerSec = w / state.span;
    const xOf = (t) => (t - state.start) * pxPerSec;
    const yOf = (v) => bot - (Math.min(v, RR_TOP) / RR_TOP) * (bot - top);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    const step = RR_TOP > 4 ? 1 : RR_TOP > 2 ? 0.5 : 0.25;
    ctx.strokeStyle = "#eee";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let v = step; v < RR_TOP; v += step) { const y = Math.round(yOf(v)) + 0.5; ctx.moveTo(0, y); ctx.lineTo(w, y); }
    ctx.stroke();
    ctx.font = "10px DejaVu Sans, sans-serif";
    ctx.textBaseline = "middle";
    for (let v = step; v < RR_TOP; v += step) {
      const y = yOf(v);
      ctx.fillStyle = "#999";
      ctx.textAlign = "left";
      ctx.fillText(v.toFixed(step < 0.5 ? 2 : 1) + " s", 3, y - 6);
      ctx.textAlign = "right";
      ctx.fillText(Math.round(60 / v) + " bpm", w - 3, y - 6);
    }
    // The pause threshold, when the axis reaches it.
    if (PAUSE_S < RR_TOP) {
      ctx.strokeStyle = "rgba(214, 39, 40, 0.55)";
      ctx.setLineDash([5, 4]);
      ctx.beginPath();
      const yp = Math.round(yOf(PAUSE_S)) + 0.5;
      ctx.moveTo(0, yp); ctx.lineTo(w, yp);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    const s0 = state.start * fs - fs, s1 = (state.start + state.span) * fs + fs;
    const k0 = lowerBoundIdx(series, s0), k1 = lowerBoundIdx(series, s1);
    ctx.strokeStyle = "#aaa";
    ctx.lineWidth = 1;
    ctx.beginPath();
    let pen = false;
    for (let k = k0; k < k1; k++) {
      const i = series[k], v = rrBefore[i];
      if (!Number.isFinite(v)) { pen = false; continue; }
      const x = xOf(beats.sample[i] / fs), y = yOf(v);
      if (pen) ctx.lineTo(x, y); else ctx.moveTo(x, y);
      pen = true;
    }
    ctx.stroke();
    let points = 0, maxRR = 0;
    for (let k = k0; k < k1; k++) {
      const i = series[k], v = rrBefore[i];
      if (!Number.isFinite(v)) continue;
      const x = xOf(beats.sample[i] / fs), y = yOf(v);
      if (x < -4 || x > w + 4) continue;
      points++;
      maxRR = Math.max(maxRR, v);
      ctx.fillStyle = CLASS_COLOURS[rrClass[i]] || "#555";
      ctx.beginPath();
      ctx.arc(x, y, v > RR_TOP ? 4 : 2.6, 0, 2 * Math.PI);
      ctx.fill();
      if (i === state.selected) {
        ctx.strokeStyle = "#ff9800";
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(x, y, 6, 0, 2 * Math.PI);
        ctx.stroke();
      }
    }
    const name = "R-R (" + (data.hasPred ? "model's beats" : "reference beats") + ")" +
      (PAUSE_S < RR_TOP ? " \u00b7 - - pause > " + PAUSE_S + " s" : " \u00b7 no R-R over " + RR_TOP.toFixed(1) + " s");
    ctx.font = "10px DejaVu Sans, sans-serif";
    ctx.textAlign = "left";
    ctx.fillStyle = "rgba(255, 255, 255, 0.9)";
    ctx.fillRect(0, 0, ctx.measureText(name).width + 6, 12);
    ctx.fillStyle = "#777";
    ctx.fillText(name, 3, 6);
    rrCanvas.dataset.points = String(points);
    rrCanvas.dataset.maxRr = maxRR.toFixed(3);
  }

  // The first index k of the series whose beat's sample is >= v.
  function lowerBoundIdx(idx, v) {
    let lo = 0, hi = idx.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (beats.sample[idx[mid]] < v) lo = mid + 1; else hi = mid; }
    return lo;
  }

  let overviewCache = null;
  function drawOverview() {
    const { ctx, w, h } = sizeCanvas(overview, OVERVIEW_H);
    if (!overviewCache || overviewCache.w !== w) {
      const mins = new Float32Array(w), maxs = new Float32Array(w);
      for (let px = 0; px < w; px++) {
        const a = Math.floor((px / w) * n), b = Math.max(a + 1, Math.floor(((px + 1) / w) * n));
        let mn = Infinity, mx = -Infinity;
        for (let s = a; s < b && s < n; s++) { const v = raw[s]; if (v === GAP) continue; if (v < mn) mn = v; if (v > mx) mx = v; }
        mins[px] = mn * scale; maxs[px] = mx * scale;
      }
      overviewCache = { w, mins, maxs };
    }
    const [lo, hi] = globalRange;
    const yOf = (mv) => Math.max(8, Math.min(h - 1, h - 2 - ((mv - lo) / (hi - lo)) * (h - 10)));
    ctx.fillStyle = "#fafafa";
    ctx.fillRect(0, 0, w, h);
    ctx.strokeStyle = "#777";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let px = 0; px < w; px++) {
      if (!Number.isFinite(overviewCache.mins[px])) continue;
      ctx.moveTo(px + 0.5, yOf(overviewCache.maxs[px]));
      ctx.lineTo(px + 0.5, yOf(overviewCache.mins[px]) + 0.5);
    }
    ctx.stroke();
    ctx.fillStyle = "rgba(120, 120, 120, 0.13)";
    for (const u of unscored) ctx.fillRect((u[0] / n) * w, 0, Math.max(1, ((u[1] - u[0]) / n) * w), h);
    ctx.fillStyle = DIS_COLOUR;
    for (const i of disagreements) ctx.fillRect(Math.floor((beats.sample[i] / n) * w), 0, 1, 6);
    const x0 = (state.start / duration) * w, x1 = ((state.start + state.span) / duration) * w;
    ctx.fillStyle = "rgba(31, 119, 180, 0.18)";
    ctx.fillRect(x0, 0, Math.max(2, x1 - x0), h);
    ctx.strokeStyle = "#1f77b4";
    ctx.strokeRect(x0 + 0.5, 0.5, Math.max(2, x1 - x0) - 1, h - 1);
  }

  let renders = 0;
  function render() {
    drawStrip();
    drawRR();
    drawOverview();
    strip.dataset.renders = String(++renders);
  }

  function describe(i) {
    const t = beats.sample[i] / fs;
    const p = beats.prob[i];
    const parts = ["Beat " + (i + 1) + " of " + nb + " at " + formatTime(t, 2) + " (sample " + beats.sample[i] + ")"];
    if (beats.ref[i]) parts.push("reference " + refText(i));
    if (beats.pred[i]) parts.push("predicted " + beats.pred[i] + (p !== null ? " (p = " + p.toFixed(3) + ")" : ""));
    if (beats.flag[i] > 0) parts.push(KIND[beats.flag[i]]);
    return parts.join(" · ");
  }

  function element(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // The beat's line, its five probabilities as bars, and what its reference symbol means and its R-R.
  function showInfo(i) {
    info.textContent = "";
    info.className = i >= 0 && beats.flag[i] > 0 ? "dis" : "";
    if (i < 0) return;
    info.appendChild(element("span", "line", describe(i)));
    const probs = beats.probs[i];
    if (probs) {
      const box = element("span", "probs");
      box.dataset.probs = probs.join(",");
      let top = 0;
      for (let k = 1; k < probs.length; k++) if (probs[k] > probs[top]) top = k;
      probs.forEach((v, k) => {
        const item = element("span", "prob" + (k === top ? " top" : ""));
        item.appendChild(element("span", "", "p(" + CLASSES[k] + ")"));
        const bar = element("span", "bar");
        const fill = element("i");
        fill.style.width = Math.round(v * 60) + "px";
        fill.style.background = CLASS_COLOURS[k];
        bar.appendChild(fill);
        item.appendChild(bar);
        item.appendChild(element("span", "", v.toFixed(3)));
        box.appendChild(item);
      });
      info.appendChild(box);
    }
    const more = [];
    if (beats.ref[i]) more.push("reference " + refText(i) + (beats.refMeaning[i] ? ": " + beats.refMeaning[i] : ""));
    const rrText = (v) => v.toFixed(2) + " s (" + Math.round(60 / v) + " bpm)";
    if (Number.isFinite(rrBefore[i]) || Number.isFinite(rrAfter[i])) {
      more.push("R-R " + (Number.isFinite(rrBefore[i]) ? rrText(rrBefore[i]) + " before" : "– before") +
        ", " + (Number.isFinite(rrAfter[i]) ? rrText(rrAfter[i]) + " after" : "– after"));
    }
    if (scoredSpan && !beats.scored[i]) more.push("outside the scored span: not compared");
    if (more.length > 0) info.appendChild(element("span", "more", more.join(" · ")));
  }

  function select(i) {
    state.selected = i;
    showInfo(i);
    for (const root of [lists, rhythm]) {
      if (!root) continue;
      for (const b of root.querySelectorAll("button.active")) { b.classList.remove("active"); b.removeAttribute("aria-current"); }
    }
    if (lists && i >= 0) {
      for (const btn of lists.querySelectorAll('button[data-beat="' + i + '"]')) {
        btn.classList.add("active");
        btn.setAttribute("aria-current", "true");
        if (!btn.closest("[hidden]")) btn.scrollIntoView({ block: "nearest" });
      }
    }
  }

  // Centre the strip on a beat; a very wide window narrows to 10 s so its labels are readable.
  function jumpTo(i) {
    const t = beats.sample[i] / fs;
    const span = state.span > 30 ? 10 : state.span;
    select(i);
    setWindow(t - span / 2, span);
    strip.scrollIntoView({ block: "nearest" });
  }

  // The beats of the list shown (disagreements, or the beats called S, V or F), in time order.
  let activeList = "dis";
  function activeBeats() {
    if (activeList === "dis") return disagreements;
    const panel = document.getElementById("panel-" + activeList);
    return panel ? Array.from(panel.querySelectorAll("button[data-beat]"), (b) => Number(b.dataset.beat)) : [];
  }

  function neighbourDisagreement(dir) {
    const list = activeBeats();
    if (list.length === 0) return;
    const ref = state.selected >= 0 ? beats.sample[state.selected] : (state.start + state.span / 2) * fs;
    if (dir > 0) {
      const k = list.find((i) => beats.sample[i] > ref);
      if (k !== undefined) jumpTo(k);
    } else {
      for (let j = list.length - 1; j >= 0; j--) if (beats.sample[list[j]] < ref) return jumpTo(list[j]);
    }
  }

  // The beat at (or nearest to) a sample, within 150 ms; -1 if none.
  function beatAtSample(smp) {
    const k = lowerBound(beats.sample, smp);
    let best = -1, bestD = 0.15 * fs;
    for (const i of [k - 1, k]) {
      if (i < 0 || i >= nb) continue;
      const d = Math.abs(beats.sample[i] - smp);
      if (d <= bestD) { best = i; bestD = d; }
    }
    return best;
  }

  function showTab(id) {
    if (!lists) return;
    activeList = id;
    for (const t of lists.querySelectorAll(".tab")) t.setAttribute("aria-selected", String(t.dataset.list === id));
    for (const p of lists.querySelectorAll(".panel")) p.hidden = p.id !== "panel-" + id;
  }

  function zoomBy(factor, centreFrac) {
    const f = centreFrac === undefined ? 0.5 : centreFrac;
    const t = state.start + f * state.span;
    const span = Math.max(MIN_SPAN, Math.min(duration, state.span * factor));
    setWindow(t - f * span, span);
  }

  strip.addEventListener("wheel", (e) => {
    e.preventDefault();
    const rect = strip.getBoundingClientRect();
    const horizontal = e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY);
    if (horizontal) {
      const d = Math.abs(e.deltaX) > Math.abs(e.deltaY) ? e.deltaX : e.deltaY;
      setWindow(state.start + (d / rect.width) * state.span);
    } else {
      zoomBy(Math.exp(e.deltaY * 0.002), (e.clientX - rect.left) / rect.width);
    }
  }, { passive: false });

  let drag = null;
  strip.addEventListener("pointerdown", (e) => {
    drag = { x: e.clientX, start: state.start, moved: false };
    strip.setPointerCapture(e.pointerId);
  });
  strip.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    if (Math.abs(dx) > 3) drag.moved = true;
    if (drag.moved) setWindow(drag.start - (dx / strip.clientWidth) * state.span);
  });
  strip.addEventListener("pointerup", (e) => {
    if (drag && !drag.moved) {
      // A click (no drag) selects the nearest beat within 12 px.
      const rect = strip.getBoundingClientRect();
      const t = state.start + ((e.clientX - rect.left) / rect.width) * state.span;
      const k = lowerBound(beats.sample, t * fs);
      let best = -1, bestDx = 12;
      for (const i of [k - 1, k]) {
        if (i < 0 || i >= nb) continue;
        const dx = Math.abs((beats.sample[i] / fs - t) * (rect.width / state.span));
        if (dx <= bestDx) { best = i; bestDx = dx; }
      }
      select(best);
      setWindow(state.start);
    }
    drag = null;
  });

  scroll.addEventListener("input", () => setWindow(Number(scroll.value)));

  function overviewMove(e) {
    const rect = overview.getBoundingClientRect();
    const t = ((e.clientX - rect.left) / rect.width) * duration;
    setWindow(t - state.span / 2);
  }
  overview.addEventListener("pointerdown", (e) => { overview.setPointerCapture(e.pointerId); overviewMove(e); });
  overview.addEventListener("pointermove", (e) => { if (e.buttons & 1) overviewMove(e); });

  document.getElementById("zoom-in").addEventListener("click", () => zoomBy(0.5));
  document.getElementById("zoom-out").addEventListener("click", () => zoomBy(2));
  for (const b of document.querySelectorAll("button[data-span]")) {
    b.addEventListener("click", () => {
      const span = b.dataset.span === "all" ? duration : Number(b.dataset.span);
      setWindow(state.start + state.span / 2 - span / 2, span);
    });
  }
  document.getElementById("prev-dis").addEventListener("click", () => neighbourDisagreement(-1));
  document.getElementById("next-dis").addEventListener("click", () => neighbourDisagreement(1));
  fitY.addEventListener("change", () => setWindow(state.start));
  if (lists) {
    lists.addEventListener("click", (e) => {
      const tab = e.target.closest(".tab");
      if (tab) return showTab(tab.dataset.list);
      const btn = e.target.closest("button[data-beat]");
      if (btn) jumpTo(Number(btn.dataset.beat));
    });
    const shown = lists.querySelector('.tab[aria-selected="true"]');
    if (shown) activeList = shown.dataset.list;
  }
  if (rhythm) {
    rhythm.addEventListener("click", (e) => {
      const btn = e.target.closest("button[data-sample]");
      if (!btn) return;
      // The episode whole in the window (a second either side at least), its first beat selected.
      const a = Number(btn.dataset.sample) / fs, b = Number(btn.dataset.end || btn.dataset.sample) / fs;
      const span = Math.max(state.span > 30 ? 10 : state.span, b - a + 2);
      const i = beatAtSample(Number(btn.dataset.sample));
      select(i);
      setWindow((a + b) / 2 - span / 2, span);
      strip.scrollIntoView({ block: "nearest" });
      btn.classList.add("active");
      btn.setAttribute("aria-current", "true");
    });
  }
  // A click on the R-R strip selects the beat of the nearest point (within 12 px).
  rrCanvas.addEventListener("click", (e) => {
    const rect = rrCanvas.getBoundingClientRect();
    const t = state.start + ((e.clientX - rect.left) / rect.width) * state.span;
    const k = lowerBoundIdx(series, t * fs);
    let best = -1, bestDx = 12;
    for (const j of [k - 1, k]) {
      if (j < 0 || j >= series.length) continue;
      const dx = Math.abs((beats.sample[series[j]] / fs - t) * (rect.width / state.span));
      if (dx <= bestDx) { best = series[j]; bestDx = dx; }
    }
    if (best >= 0) { select(best); setWindow(state.start); }
  });

  // #sample=N (a beat, as the run report links to it) or #t=SECONDS (a time).
  function openHash() {
    const h = location.hash.replace(/^#/, "");
    const sm = /(?:^|&)sample=(\d+)/.exec(h), tm = /(?:^|&)t=([\d.]+)/.exec(h);
    if (sm) {
      const i = beatAtSample(Number(sm[1]));
      if (i >= 0) return jumpTo(i);
      const t = Number(sm[1]) / fs;
      return setWindow(t - state.span / 2);
    }
    if (tm) setWindow(Number(tm[1]) - state.span / 2);
  }
  window.addEventListener("hashchange", openHash);
  document.addEventListener("keydown", (e) => {
    if (e.target === scroll || e.target instanceof HTMLInputElement || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "ArrowLeft") setWindow(state.start - state.span * 0.25);
    else if (e.key === "ArrowRight") setWindow(state.start + state.span * 0.25);
    else if (e.key === "+" || e.key === "=") zoomBy(0.5);
    else if (e.key === "-") zoomBy(2);
    else if (e.key === "n") neighbourDisagreement(1);
    else if (e.key === "p") neighbourDisagreement(-1);
    else return;
    e.preventDefault();
  });
  window.addEventListener("resize", () => setWindow(state.start));

  updateControls();
  render();
  openHash();
  document.body.dataset.ready = "true";
})();
`;
