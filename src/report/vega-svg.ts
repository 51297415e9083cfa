// Vega-Lite spec → standalone SVG string, rendered in Node with no canvas and no browser, so the report
// page needs no script to show its plots. Without node-canvas vega estimates text widths: good enough.
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

let svgCounter = 0;

export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    return uniquifySvgIds(svg, `p${++svgCounter}-`);
  } finally {
    view.finalize();
  }
}

/**
 * Several SVGs inlined in one HTML page share one id namespace: vega numbers its clip paths from 1 in
 * every view, so the second plot would be clipped by the first plot's rectangles. Prefix every id.
 */
export function uniquifySvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}${id})`)
    .replace(/href="#([^"]+)"/g, (_m, id: string) => `href="#${prefix}${id}"`);
}
