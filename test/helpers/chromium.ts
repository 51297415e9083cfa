// Headless Chromium for page tests (Debian's `chromium` package, driven by playwright-core), plus a small
// PNG decoder so a test can check that a screenshot is not blank. Tests pass `{ skip: chromiumSkip }`.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { inflateSync } from "node:zlib";
import { type Browser, chromium, type Page } from "playwright-core";

export const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

export const chromiumSkip: string | false = existsSync(chromiumPath)
  ? false
  : `Chromium not found at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`;

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface OpenedPage {
  page: Page;
  /** Uncaught exceptions and console errors seen so far (a page test should end with none). */
  errors: string[];
}

/** Runs `fn` with a fresh browser (playwright gives it a fresh temporary profile) and closes it after. */
export async function withPage<T>(
  fn: (opened: OpenedPage) => Promise<T>,
  viewport = { width: 1280, height: 900 },
): Promise<T> {
  const browser: Browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ARGS,
    headless: true,
  });
  try {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    // A self-contained page must not reach the network: fail any request that is not the page itself.
    const errors: string[] = [];
    await context.route(/^https?:/, (route) => {
      errors.push(`network request from a self-contained page: ${route.request().url()}`);
      return route.abort();
    });
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console: ${m.text()}`);
    });
    return await fn({ page, errors });
  } finally {
    await browser.close();
  }
}

/** Where screenshots go: the OS temp dir, never the repository. */
export function screenshotPath(name: string): string {
  const dir = path.join(os.tmpdir(), "ecg-beats-screenshots");
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

export function saveScreenshot(name: string, png: Buffer): string {
  const file = screenshotPath(name);
  writeFileSync(file, png);
  process.stdout.write(`screenshot: ${file}\n`);
  return file;
}

export interface ImageStats {
  width: number;
  height: number;
  /** Variance of the luma over all pixels: ~0 for a blank image. */
  variance: number;
  /** Fraction of pixels that differ from the most common colour (the background). */
  inkFraction: number;
  /** How many distinct colours (capped count of RGB triples). */
  colours: number;
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium's screenshots are). */
export function decodePng(png: Buffer): {
  width: number;
  height: number;
  channels: number;
  pixels: Uint8Array;
} {
  const signature = "89504e470d0a1a0a";
  if (png.subarray(0, 8).toString("hex") !== signature) throw new Error("not a PNG");
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.subarray(pos + 4, pos + 8).toString("ascii");
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8]!;
      const colourType = data[9]!;
      const interlace = data[12]!;
      if (depth !== 8 || interlace !== 0 || (colourType !== 2 && colourType !== 6)) {
        throw new Error(
          `unsupported PNG (depth ${depth}, colour type ${colourType}, interlace ${interlace})`,
        );
      }
      channels = colourType === 6 ? 4 : 3;
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const out = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[out + x - channels]! : 0;
      const b = y > 0 ? pixels[out - stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[out - stride + x - channels]! : 0;
      const v = raw[src + x]!;
      let r: number;
      if (filter === 0) r = v;
      else if (filter === 1) r = v + a;
      else if (filter === 2) r = v + b;
      else if (filter === 3) r = v + ((a + b) >> 1);
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        r = v + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      } else throw new Error(`bad PNG filter ${filter}`);
      pixels[out + x] = r & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

export function imageStats(png: Buffer): ImageStats {
  const { width, height, channels, pixels } = decodePng(png);
  const n = width * height;
  let sum = 0;
  let sumSq = 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = pixels[i * channels]!;
    const g = pixels[i * channels + 1]!;
    const b = pixels[i * channels + 2]!;
    const luma = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += luma;
    sumSq += luma * luma;
    const key = (r << 16) | (g << 8) | b;
    if (counts.size < 100_000 || counts.has(key)) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const mean = sum / n;
  let background = 0;
  for (const c of counts.values()) background = Math.max(background, c);
  return {
    width,
    height,
    variance: sumSq / n - mean * mean,
    inkFraction: 1 - background / n,
    colours: counts.size,
  };
}
