// The report's Vega-Lite specs: training curves, the two-run validation-loss overlay, the confusion heat
// map and the gallery of misclassified beats. Pure data → spec; rendering is vega-svg.ts's job.
import type { TopLevelSpec } from "vega-lite";
import type {
  StoredEpochMetrics as EpochMetrics,
  StoredMisclassifiedBeat as MisclassifiedBeat,
} from "../run-dir/read.js";

const WIDTH = 400;
const HEIGHT = 230;
const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";
const CONFIG = {
  font: FONT,
  view: { stroke: "#ccc" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#eee" },
  legend: { labelFontSize: 11, titleFontSize: 11 },
  title: { fontSize: 13, anchor: "start" as const },
};

interface CurvePoint {
  epoch: number;
  value: number;
  series: string;
}

/** Long-form points of the chosen metrics; epochs where a metric is missing are left out. */
/** The per-epoch figures that are single numbers (what a curve can plot). */
type NumericMetric = {
  [K in keyof EpochMetrics]-?: EpochMetrics[K] extends number | undefined ? K : never;
}[keyof EpochMetrics];

function curvePoints(metrics: EpochMetrics[], series: [string, NumericMetric][]): CurvePoint[] {
  const points: CurvePoint[] = [];
  for (const [label, key] of series) {
    for (const m of metrics) {
      const value = m[key];
      if (value !== undefined && Number.isFinite(value))
        points.push({ epoch: m.epoch, value, series: label });
    }
  }
  return points;
}

function lineChart(
  title: string,
  yTitle: string,
  points: CurvePoint[],
  order: string[],
  legendOrient: "top-right" | "bottom-right" = "top-right",
): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values: points },
    mark: { type: "line", point: { size: 24 }, strokeWidth: 2 },
    encoding: {
      x: { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1, format: "d" } },
      y: { field: "value", type: "quantitative", title: yTitle, scale: { zero: false } },
      color: {
        field: "series",
        type: "nominal",
        title: null,
        sort: order,
        scale: { domain: order, range: ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"].slice(0, order.length) },
        legend: { orient: legendOrient, labelLimit: 240, fillColor: "rgba(255,255,255,0.85)" },
      },
    },
  };
}

export function lossCurveSpec(metrics: EpochMetrics[]): TopLevelSpec | undefined {
  const series: [string, NumericMetric][] = [
    ["train", "trainLoss"],
    ["validation", "valLoss"],
  ];
  const points = curvePoints(metrics, series);
  if (points.length === 0) return undefined;
  return lineChart(
    "Loss per epoch",
    "loss",
    points,
    series.map(([s]) => s),
  );
}

export function accuracyCurveSpec(metrics: EpochMetrics[]): TopLevelSpec | undefined {
  const series: [string, NumericMetric][] = [
    ["train accuracy", "trainAcc"],
    ["validation accuracy", "valAcc"],
    ["validation macro-F1", "valMacroF1"],
  ];
  const points = curvePoints(metrics, series);
  if (points.length === 0) return undefined;
  const present = series.map(([s]) => s).filter((s) => points.some((p) => p.series === s));
  // Accuracy curves rise, so the legend sits bottom-right where the lines are not.
  return lineChart("Accuracy per epoch", "accuracy / macro-F1", points, present, "bottom-right");
}

/** Validation loss of several runs on one plot (the seed's proposed model vs the plain ResNeXt). */
export function valLossOverlaySpec(
  runs: { label: string; metrics: EpochMetrics[] }[],
): TopLevelSpec | undefined {
  const points = runs.flatMap((r) => curvePoints(r.metrics, [[r.label, "valLoss"]]));
  if (points.length === 0) return undefined;
  return lineChart(
    "Validation loss per epoch",
    "validation loss",
    points,
    runs.map((r) => r.label),
  );
}

/** Confusion heat map: colour is the row-normalised fraction (so small classes show), text the count. */
export function confusionSpec(classes: string[], confusion: number[][]): TopLevelSpec {
  const cells = confusion.flatMap((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, j) => ({
      true: classes[i]!,
      predicted: classes[j]!,
      count,
      fraction: total > 0 ? count / total : 0,
    }));
  });
  const side = Math.max(180, 52 * classes.length);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Confusion matrix (test set; colour = fraction of the true class)",
    width: side,
    height: side,
    config: CONFIG,
    data: { values: cells },
    encoding: {
      x: {
        field: "predicted",
        type: "nominal",
        sort: classes,
        title: "predicted",
        axis: { labelAngle: 0, orient: "top" },
      },
      y: { field: "true", type: "nominal", sort: classes, title: "true" },
    },
    layer: [
      {
        mark: { type: "rect", stroke: "white", strokeWidth: 1 },
        encoding: {
          color: {
            field: "fraction",
            type: "quantitative",
            title: "fraction",
            scale: { scheme: "blues", domain: [0, 1] },
            legend: { format: ".0%" },
          },
        },
      },
      {
        mark: { type: "text", fontSize: 12 },
        encoding: {
          text: { field: "count", type: "quantitative", format: "d" },
          color: { condition: { test: "datum.fraction > 0.5", value: "white" }, value: "#222" },
        },
      },
    ],
  };
}

/** Small multiples of misclassified beats, titled "#index true→pred p". */
export function misclassifiedGallerySpec(
  beats: MisclassifiedBeat[],
  classes: readonly string[],
): TopLevelSpec {
  const name = (k: number) => classes[k] ?? String(k);
  const values = beats.flatMap((b, order) => {
    const p = b.probs?.[b.pred];
    const title = `#${b.index}  ${name(b.true)}→${name(b.pred)}${p !== undefined ? ` (${p.toFixed(2)})` : ""}`;
    return b.beat.map((v, i) => ({ order, title, i, v }));
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Misclassified test beats (true→predicted, predicted probability)",
    config: { ...CONFIG, header: { labelFontSize: 10, labelFont: FONT }, view: { stroke: "#ddd" } },
    data: { values },
    columns: 8,
    facet: {
      field: "title",
      type: "nominal",
      title: null,
      sort: { field: "order", op: "min" },
    },
    spec: {
      width: 120,
      height: 60,
      mark: { type: "line", strokeWidth: 1, color: "#c0392b" },
      encoding: {
        x: { field: "i", type: "quantitative", axis: null, scale: { domain: [0, 186] } },
        y: { field: "v", type: "quantitative", axis: null, scale: { domain: [0, 1] } },
      },
    },
  };
}
