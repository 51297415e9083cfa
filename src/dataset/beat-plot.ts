// Small drawings of beats for `ecg data info`: a braille-dot terminal plot and a standalone SVG.
import { BEAT_LENGTH } from "../vocabulary.js";

/** Braille dot bits by [x][y] within a 2 × 4 cell (Unicode braille patterns, U+2800). */
const DOT: readonly (readonly number[])[] = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
];

/** Draws values in [0, 1] as `height` lines of `width` braille characters (2 × 4 dots each). */
export function brailleLines(values: ArrayLike<number>, width: number, height: number): string[] {
  const w = width * 2;
  const h = height * 4;
  const cells = new Uint8Array(width * height);
  const set = (x: number, y: number): void => {
    cells[Math.floor(y / 4) * width + Math.floor(x / 2)]! |= DOT[x % 2]![y % 4]!;
  };
  const yOf = (v: number): number => {
    const c = Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
    return Math.round((1 - c) * (h - 1));
  };
  let prev = -1;
  for (let x = 0; x < w; x++) {
    const y = yOf(values[Math.round((x * (values.length - 1)) / (w - 1))]!);
    // Join to the previous column so steep slopes stay connected.
    const [a, b] = prev < 0 ? [y, y] : [Math.min(prev, y), Math.max(prev, y)];
    for (let yy = a; yy <= b; yy++) set(x, yy);
    prev = y;
  }
  const lines: string[] = [];
  for (let r = 0; r < height; r++) {
    let line = "";
    for (let c = 0; c < width; c++) line += String.fromCharCode(0x2800 + cells[r * width + c]!);
    lines.push(line);
  }
  return lines;
}

export interface SvgBeat {
  title: string;
  values: ArrayLike<number>;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);
}

/** A standalone SVG: the class counts as bars, then one small panel per beat (1.5 s at 125 Hz). */
export function beatsSvg(title: string, counts: { name: string; count: number }[], beats: SvgBeat[]): string {
  const panelW = 220;
  const panelH = 120;
  const cols = Math.max(1, Math.min(5, beats.length));
  const rows = Math.ceil(beats.length / cols);
  const width = Math.max(520, cols * panelW + 20);
  const barsH = 30 + counts.length * 22;
  const height = barsH + rows * (panelH + 30) + 20;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  const max = Math.max(1, ...counts.map((c) => c.count));
  counts.forEach((c, i) => {
    const y = 30 + i * 22;
    const w = Math.round((c.count / max) * (width - 200));
    out.push(
      `<text x="10" y="${y + 14}">${escapeXml(c.name)}</text>`,
      `<rect x="40" y="${y}" width="${w}" height="16" fill="#4477aa"/>`,
      `<text x="${46 + w}" y="${y + 13}">${c.count}</text>`,
    );
  });
  beats.forEach((b, k) => {
    const x0 = 10 + (k % cols) * panelW;
    const y0 = barsH + Math.floor(k / cols) * (panelH + 30) + 20;
    const n = b.values.length;
    const pts: string[] = [];
    for (let i = 0; i < n; i++) {
      const v = Number(b.values[i]);
      const x = x0 + (i / (BEAT_LENGTH - 1)) * (panelW - 20);
      const y = y0 + (1 - (Number.isFinite(v) ? v : 0)) * panelH;
      pts.push(`${x.toFixed(1)},${y.toFixed(1)}`);
    }
    out.push(
      `<text x="${x0}" y="${y0 - 6}">${escapeXml(b.title)}</text>`,
      `<rect x="${x0}" y="${y0}" width="${panelW - 20}" height="${panelH}" fill="none" stroke="#ccc"/>`,
      `<polyline fill="none" stroke="#cc3311" stroke-width="1.2" points="${pts.join(" ")}"/>`,
    );
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
