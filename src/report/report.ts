// The run report: one self-contained HTML page (inline SVG plots, inline CSS, no script) describing one
// run, or comparing two runs with their validation-loss curves on one plot as the seed does.
import path from "node:path";
import type { TopLevelSpec } from "vega-lite";
import type {
  StoredEpochMetrics as EpochMetrics,
  StoredMisclassifiedBeat as MisclassifiedBeat,
  StoredRunConfig as RunConfig,
  RunDir,
  StoredTestEval as TestEval,
} from "../run-dir/read.js";
import { DataConfigSchema, RunConfigSchema } from "../run-dir/schema.js";
import { CLASS_NAMES } from "../vocabulary.js";
import { type Cell, escapeHtml, fixed, keyValueTable, page, percent, table } from "./html.js";
import {
  accuracyCurveSpec,
  confusionSpec,
  lossCurveSpec,
  misclassifiedGallerySpec,
  valLossOverlaySpec,
} from "./plots.js";
import { renderVegaLite } from "./vega-svg.js";
import { formatTime } from "./viewer.js";

export interface ReportRun {
  run: RunDir;
  /** How the run's directory is shown on the page (relative to where the report was made). */
  shownPath: string;
  /** The viewer pages of the records its misclassified beats come from: record → address from the page. */
  views?: ReadonlyMap<string, string>;
}

export interface ReportOptions {
  generatedAt?: Date;
  version?: string;
}

/** Labels for the runs: preset names, else directory names, made unique. */
export function runLabels(runs: RunDir[]): string[] {
  const presets = runs.map((r) => r.config.preset);
  const usePresets = presets.every((p) => p !== undefined) && new Set(presets).size === presets.length;
  const labels = usePresets ? (presets as string[]) : runs.map((r) => path.basename(r.dir));
  if (new Set(labels).size === labels.length) return labels;
  return labels.map((l, i) => `${l} (${i + 1})`);
}

export async function buildReportHtml(runs: ReportRun[], opts: ReportOptions = {}): Promise<string> {
  if (runs.length === 0) throw new Error("buildReportHtml needs at least one run");
  const labels = runLabels(runs.map((r) => r.run));
  const title =
    runs.length === 1
      ? `ecg-beats run report: ${labels[0]}`
      : `ecg-beats run comparison: ${labels.join(" vs ")}`;
  const parts: string[] = [`<h1>${escapeHtml(title)}</h1>`];
  const when = (opts.generatedAt ?? new Date()).toISOString();
  parts.push(
    `<p class="muted">Generated ${escapeHtml(when)}${opts.version ? ` by ecg-beats ${escapeHtml(opts.version)}` : ""}.</p>`,
  );
  if (runs.length > 1) parts.push(await comparisonSection(runs, labels));
  for (let i = 0; i < runs.length; i++) parts.push(await runSection(runs[i]!, labels[i]!, runs.length > 1));
  return page(title, parts.join("\n"));
}

async function figure(spec: TopLevelSpec | undefined, id: string): Promise<string> {
  if (!spec) return "";
  return `<figure class="plot" id="${id}">${await renderVegaLite(spec)}</figure>`;
}

function bestEpoch(
  metrics: EpochMetrics[],
  key: "valLoss" | "valAcc" | "valMacroF1",
  lowest: boolean,
): EpochMetrics | undefined {
  let best: EpochMetrics | undefined;
  for (const m of metrics) {
    const v = m[key];
    if (v === undefined || !Number.isFinite(v)) continue;
    const b = best?.[key];
    if (b === undefined || (lowest ? v < b : v > b)) best = m;
  }
  return best;
}

async function comparisonSection(runs: ReportRun[], labels: string[]): Promise<string> {
  const overlay = valLossOverlaySpec(runs.map((r, i) => ({ label: labels[i]!, metrics: r.run.metrics })));
  const rows: Cell[][] = runs.map(({ run }, i) => {
    const bestLoss = bestEpoch(run.metrics, "valLoss", true);
    const bestAcc = bestEpoch(run.metrics, "valAcc", false);
    const bestF1 = bestEpoch(run.metrics, "valMacroF1", false);
    const last = run.metrics.at(-1);
    return [
      labels[i]!,
      `${run.metrics.length}${run.config.epochs !== undefined ? ` / ${run.config.epochs}` : ""}`,
      bestLoss ? `${fixed(bestLoss.valLoss)} (epoch ${bestLoss.epoch})` : "—",
      fixed(last?.valLoss),
      bestAcc ? `${percent(bestAcc.valAcc)} (epoch ${bestAcc.epoch})` : "—",
      bestF1 ? `${fixed(bestF1.valMacroF1, 3)} (epoch ${bestF1.epoch})` : "—",
      percent(run.testEval?.accuracy),
      fixed(run.testEval?.macroF1, 3),
    ];
  });
  return `<section id="comparison">
<h2>Comparison</h2>
<div class="plots">${await figure(overlay, "plot-val-loss-overlay")}</div>
${overlay ? "" : '<p class="note">Neither run has validation losses yet.</p>'}
${table(
  [
    "run",
    "epochs",
    "best val loss",
    "last val loss",
    "best val accuracy",
    "best val macro-F1",
    "test accuracy",
    "test macro-F1",
  ],
  rows,
  'id="comparison-table"',
)}
</section>`;
}

async function runSection(r: ReportRun, label: string, several: boolean): Promise<string> {
  const { run } = r;
  const idp = several ? `${slug(label)}-` : "";
  const h = several ? "h3" : "h2";
  const parts = [`<section class="run" id="run-${slug(label)}">`];
  if (several) parts.push(`<h2>Run ${escapeHtml(label)}</h2>`);
  parts.push(`<p>Run directory: <code>${escapeHtml(r.shownPath)}</code></p>`);
  parts.push(headline(run));
  parts.push(`<${h}>Configuration</${h}>`, configTable(run.config));
  parts.push(`<${h}>Data provenance</${h}>`, dataTables(run.config), filesTable(run));
  parts.push(`<${h}>Training curves</${h}>`);
  if (run.metrics.length === 0) {
    parts.push('<p class="note">metrics.jsonl is missing or empty: no epoch has finished yet.</p>');
  } else {
    parts.push(
      `<div class="plots">${await figure(lossCurveSpec(run.metrics), `${idp}plot-loss`)}${await figure(
        accuracyCurveSpec(run.metrics),
        `${idp}plot-accuracy`,
      )}</div>`,
      epochTable(run.metrics),
    );
  }
  parts.push(`<${h}>Test set</${h}>`);
  if (!run.testEval) {
    parts.push('<p class="note">No test-eval.json: this run was not evaluated on a test set.</p>');
  } else {
    parts.push(await testSection(run.testEval, idp), referenceTable(run.config, run.testEval));
  }
  if (run.misclassified && run.misclassified.length > 0) {
    const classes = run.testEval?.classes ?? [...CLASS_NAMES];
    parts.push(
      `<${h}>Misclassified beats</${h}>`,
      `<div class="plots">${await figure(misclassifiedGallerySpec(run.misclassified, classes), `${idp}plot-misclassified`)}</div>`,
      misclassifiedTable(run.misclassified, classes, r.views, `${idp}misclassified-table`),
    );
  }
  parts.push("</section>");
  return parts.join("\n");
}

/** Each misclassified beat: its record and time, and a link to it in the record's viewer page when there is one. */
function misclassifiedTable(
  beats: MisclassifiedBeat[],
  classes: readonly string[],
  views: ReadonlyMap<string, string> | undefined,
  id: string,
): string {
  const name = (k: number) => classes[k] ?? String(k);
  const located = beats.some((b) => b.record !== undefined);
  const rows: Cell[][] = beats.map((b) => {
    const view = b.record !== undefined ? views?.get(b.record) : undefined;
    const p = b.probs?.[b.pred];
    return [
      `#${b.index}`,
      b.record ?? "—",
      b.seconds !== undefined
        ? formatTime(b.seconds, 2)
        : b.sample !== undefined
          ? `sample ${b.sample}`
          : "—",
      `${name(b.true)} → ${name(b.pred)}`,
      p !== undefined && Number.isFinite(p) ? p.toFixed(2) : "—",
      view !== undefined && b.sample !== undefined
        ? { html: `<a href="${escapeHtml(`${view}#sample=${b.sample}`)}">view</a>` }
        : "—",
    ];
  });
  const note = !located
    ? '<p class="note">misclassified.json names no records: the run was evaluated on a dataset without an index (made by <code>ecg data build</code>), or by an older version.</p>'
    : views === undefined
      ? '<p class="note">Give <code>ecg report</code> <code>--views MITDB_DIR</code> (the records\' directory) to write the viewer pages these beats link to.</p>'
      : "";
  return `${table(["beat (test row)", "record", "time", "true → predicted", "p", "viewer"], rows, `id="${id}" class="misclassified"`)}${note}`;
}

/** A label as a file or id part: lower case, runs of other characters as one "-". */
export function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "run"
  );
}

function headline(run: RunDir): string {
  const bestLoss = bestEpoch(run.metrics, "valLoss", true);
  const bestF1 = bestEpoch(run.metrics, "valMacroF1", false);
  const seconds = run.metrics.reduce((a, m) => a + (m.seconds ?? 0), 0);
  const items = [
    `epochs ${run.metrics.length}${run.config.epochs !== undefined ? ` of ${run.config.epochs}` : ""}`,
    bestLoss ? `best validation loss ${fixed(bestLoss.valLoss)} at epoch ${bestLoss.epoch}` : undefined,
    bestF1 ? `best validation macro-F1 ${fixed(bestF1.valMacroF1, 3)} at epoch ${bestF1.epoch}` : undefined,
    run.testEval?.accuracy !== undefined ? `test accuracy ${percent(run.testEval.accuracy)}` : undefined,
    run.testEval?.macroF1 !== undefined ? `test macro-F1 ${fixed(run.testEval.macroF1, 3)}` : undefined,
    seconds > 0 ? `training time ${formatSeconds(seconds)}` : undefined,
  ].filter((s): s is string => s !== undefined);
  return `<p class="headline"><strong>${escapeHtml(items.join(" · "))}</strong></p>`;
}

function formatSeconds(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.round(s % 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${sec} s` : `${s.toFixed(1)} s`;
}

/** A compact text form of any JSON value, for fields the report does not know. */
function show(v: unknown): string {
  if (v === undefined) return "—";
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return `[${v.join(", ")}]`;
  if (typeof v === "object" && v !== null) {
    return Object.entries(v)
      .map(([k, x]) => `${k}: ${typeof x === "object" ? JSON.stringify(x) : String(x)}`)
      .join(", ");
  }
  return String(v);
}

/** config.json's rows; its own keys first, then any the schema does not declare (a newer version's). */
function configTable(c: RunConfig): string {
  const rows: [string, Cell][] = [
    ["preset", c.preset ?? "—"],
    ["model", show(c.model)],
    ["optimizer", show(c.optimizer)],
    ["loss", show(c.loss)],
    [
      "epoch order",
      c.sampler?.name === "balanced"
        ? `class-balanced: each class drawn ∝ count^${c.sampler.power}, a beat at most ${c.sampler.maxRepeat} times`
        : "every beat once, shuffled",
    ],
    ["augmentation", c.augment && Object.values(c.augment).some((v) => v > 0) ? show(c.augment) : "none"],
    ["subject-adversarial weight", c.adversary ? show(c.adversary) : "none"],
    ["best epoch chosen by", show(c.select)],
    ["epochs", show(c.epochs)],
    ["max steps", c.maxSteps ? show(c.maxSteps) : "no limit"],
    ["batch", show(c.batch)],
    ["seed", show(c.seed)],
    ["device", show(c.device)],
    ["threads", show(c.threads)],
    ["processes", show(c.processes ?? 1)],
    ["ecg-beats version", show(c.version)],
    ["started", show(c.startedAt)],
  ];
  for (const o of c.overrides ?? []) {
    const changes = Object.entries(o.changes).map(([k, v]) => `${k} ${show(v.from)} → ${show(v.to)}`);
    rows.push([`resumed after epoch ${o.epoch}`, `${changes.join(", ")} (${o.at})`]);
  }
  for (const [k, v] of Object.entries(c.raw)) if (!(k in RunConfigSchema.shape)) rows.push([k, show(v)]);
  return keyValueTable(rows, 'class="kv config"');
}

function dataTables(c: RunConfig): string {
  const d = c.data;
  if (!d) return '<p class="note">config.json has no "data" section.</p>';
  const facts: [string, Cell][] = [
    ["data directory", show(d.dir)],
    ["split", show(d.split)],
    ["split seed", show(d.seed)],
    ["validation fraction", show(d.valFraction)],
    [
      "validation split",
      d.valSplit === "records"
        ? `whole records: ${(d.valRecords ?? []).join(" ")} held out, ${(d.trainRecords ?? []).length} trained on`
        : "stratified by beat",
    ],
    ["beats used", d.limitBeats ? `a stratified sample of ${d.limitBeats}` : "all"],
    [
      "beats (train / val / test)",
      [d.train, d.val, d.test].map((n) => (n === undefined ? "—" : n)).join(" / "),
    ],
  ];
  const rawData = c.raw["data"];
  if (rawData !== null && typeof rawData === "object") {
    for (const [k, v] of Object.entries(rawData))
      if (!(k in DataConfigSchema.shape)) facts.push([k, show(v)]);
  }
  const kv = keyValueTable(facts);
  const cite =
    '<p class="muted">Beats from the MIT-BIH Arrhythmia Database (Moody &amp; Mark, IEEE Eng Med Biol 20(3), 2001), ' +
    "via PhysioNet (Goldberger et al., Circulation 101(23), 2000); Open Data Commons Attribution 1.0.</p>";
  const counts = d.classCounts;
  if (!counts) return `${kv}\n${cite}`;
  const n = Math.max(...[counts.train, counts.val, counts.test].map((a) => a?.length ?? 0));
  const classes = Array.from({ length: n }, (_, i) => CLASS_NAMES[i] ?? String(i));
  const rows: Cell[][] = (["train", "val", "test"] as const)
    .filter((s) => counts[s] !== undefined)
    .map((s) => {
      const a = counts[s]!;
      return [s, ...classes.map((_, i) => a[i] ?? "—"), a.reduce((x, y) => x + y, 0)];
    });
  return `${kv}\n${table(["split", ...classes, "total"], rows, 'class="class-counts"')}\n${cite}`;
}

function filesTable(run: RunDir): string {
  if (run.files.length === 0) return "";
  const rows: Cell[][] = run.files.map((f) => [
    f.name,
    f.bytes >= 1e6 ? `${(f.bytes / 1e6).toFixed(1)} MB` : `${(f.bytes / 1e3).toFixed(1)} kB`,
    f.modified.toISOString().replace("T", " ").slice(0, 19),
  ]);
  return table(["file", "size", "modified (UTC)"], rows, 'class="files"');
}

function epochTable(metrics: EpochMetrics[]): string {
  const rows: Cell[][] = metrics.map((m) => [
    m.epoch,
    fixed(m.trainLoss),
    percent(m.trainAcc),
    fixed(m.valLoss),
    percent(m.valAcc),
    fixed(m.valMacroF1, 3),
    fixed(m.valScore, 3),
    m.valS ? `${percent(m.valS.se)} / ${percent(m.valS.ppv)}` : "—",
    m.valV ? `${percent(m.valV.se)} / ${percent(m.valV.ppv)}` : "—",
    m.lr === undefined || !Number.isFinite(m.lr) ? "—" : m.lr.toExponential(2),
    fixed(m.seconds, 1),
    fixed(m.samplesPerSec, 0),
  ]);
  return `<details><summary>Per-epoch numbers</summary>
${table(["epoch", "train loss", "train acc", "val loss", "val acc", "val macro-F1", "val score", "val S Se / +P", "val V Se / +P", "lr", "seconds", "samples/s"], rows, 'class="epochs"')}
</details>`;
}

async function testSection(t: TestEval, idp: string): Promise<string> {
  const head = keyValueTable([
    ["accuracy", percent(t.accuracy)],
    ["macro-F1", fixed(t.macroF1, 4)],
  ]);
  const rows: Cell[][] = t.perClass.map((p) => [
    p.class,
    p.support ?? "—",
    percent(p.sensitivity),
    percent(p.specificity),
    percent(p.precision),
    fixed(p.f1, 4),
  ]);
  const perClass = table(
    ["class", "support", "sensitivity (Se)", "specificity (Sp)", "precision (+P)", "F1"],
    rows,
    'class="per-class"',
  );
  const heat = t.confusion
    ? await figure(confusionSpec(t.classes, t.confusion), `${idp}plot-confusion`)
    : '<p class="note">test-eval.json has no confusion matrix.</p>';
  return `${head}<div class="plots">${heat}<div><h3>Per class</h3>${perClass}</div></div>`;
}

/** This run next to the published figures for its split (data.md, "Reference figures"). */
function referenceTable(c: RunConfig, t: TestEval): string {
  const split = c.data?.split;
  const cls = (name: string) => t.perClass.find((p) => p.class === name);
  if (split === "kaggle") {
    return `<h3>Against the literature</h3>${table(
      ["figure", "this run", "Kachuee et al. 2018 (kaggle split)"],
      [["test accuracy", percent(t.accuracy), "93.4 %"]],
      'class="reference"',
    )}`;
  }
  if (split === "interpatient") {
    const v = cls("V");
    const s = cls("S");
    return `<h3>Against the literature</h3>${table(
      ["figure", "this run", "de Chazal et al. 2004 (DS2)"],
      [
        ["VEB sensitivity", percent(v?.sensitivity, 1), "77.7 %"],
        ["VEB +P", percent(v?.precision, 1), "81.9 %"],
        ["SVEB sensitivity", percent(s?.sensitivity, 1), "75.9 %"],
        ["SVEB +P", percent(s?.precision, 1), "38.5 %"],
      ],
      'class="reference"',
    )}`;
  }
  return "";
}
