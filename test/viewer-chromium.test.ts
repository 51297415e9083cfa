// The record viewer in headless Chromium: the page loads, the strip draws the trace, clicking a disagreement
// in the jump list moves the visible window to it and highlights it, zoom and pan work, and a real
// 30-minute MIT-BIH record stays quick. Screenshots go to the OS temp dir (paths printed).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { buildViewerHtml, type ViewerBeat } from "../src/report/viewer.js";
import { chromiumSkip, decodePng, imageStats, saveScreenshot, withPage } from "./helpers/chromium.js";
import { mitdbSkip, recordPath, repoRoot } from "./helpers/mitdb.js";
import { tempDir } from "./helpers/run-fixture.js";

const root = tempDir("ecg-viewer-chromium-");
after(() => rmSync(root, { recursive: true, force: true }));

const FS = 360;
const SECONDS = 120;

/** Two minutes of a synthetic ECG: a beat every 0.8 s, some labelled V, with planted disagreements. */
function syntheticPage(): { file: string; beats: ViewerBeat[] } {
  const signal = new Float32Array(FS * SECONDS);
  const beats: ViewerBeat[] = [];
  for (let k = 0, t = 0.5; t < SECONDS - 0.5; k++, t += 0.8) {
    const sample = Math.round(t * FS);
    const ventricular = k % 17 === 5;
    const width = ventricular ? 0.05 : 0.02;
    for (let i = -FS / 2; i < FS / 2; i++) {
      const dt = i / FS;
      const qrs = (ventricular ? -1.4 : 1.2) * Math.exp(-((dt / width) ** 2));
      const tw = 0.25 * Math.exp(-(((dt - 0.25) / 0.06) ** 2));
      signal[sample + i] = signal[sample + i]! + qrs + tw;
    }
    const reference = ventricular ? "V" : "N";
    let predicted: string | undefined = reference;
    if (k === 12) predicted = "S"; // early: near the start
    if (k === 120) predicted = ventricular ? "N" : "V"; // ~96 s: far from the first window
    if (k === 130) predicted = undefined; // a missed beat
    beats.push({ sample, reference, ...(predicted && { predicted, probs: [0.7, 0.1, 0.1, 0.05, 0.05] }) });
  }
  const file = path.join(root, "synthetic-view.html");
  writeFileSync(
    file,
    buildViewerHtml({
      record: "synthetic",
      fs: FS,
      lead: "MLII",
      signal,
      beats,
      summary: { record: "synthetic", beats: beats.length },
    }),
  );
  return { file, beats };
}

async function windowOf(page: Page): Promise<{ start: number; end: number }> {
  const strip = page.locator("#strip");
  return {
    start: Number(await strip.getAttribute("data-start")),
    end: Number(await strip.getAttribute("data-end")),
  };
}

async function rendersOf(page: Page): Promise<number> {
  return Number(await page.locator("#strip").getAttribute("data-renders"));
}

/** Waits for the strip to be redrawn after `n` renders (drawing happens on the next animation frame). */
async function waitRendered(page: Page, after: number): Promise<void> {
  await page.waitForFunction(`Number(document.getElementById("strip").dataset.renders) > ${after}`);
}

/** Pixels of a colour (within a tolerance) in an RGB(A) screenshot. */
function countColour(png: Buffer, rgb: [number, number, number], tol = 30): number {
  const { width, height, channels, pixels } = decodePng(png);
  let count = 0;
  for (let i = 0; i < width * height; i++) {
    const d =
      Math.abs(pixels[i * channels]! - rgb[0]) +
      Math.abs(pixels[i * channels + 1]! - rgb[1]) +
      Math.abs(pixels[i * channels + 2]! - rgb[2]);
    if (d <= tol) count++;
  }
  return count;
}

test("viewer: loads, draws the strip, and a disagreement click moves the window to it", {
  skip: chromiumSkip,
}, async () => {
  const { file, beats } = syntheticPage();
  await withPage(async ({ page, errors }) => {
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector("body[data-ready='true']");
    const strip = page.locator("#strip");
    const box = await strip.boundingBox();
    assert.ok(
      box && box.width > 800 && box.height >= 290,
      `the strip has a real size: ${JSON.stringify(box)}`,
    );
    const first = await strip.screenshot();
    saveScreenshot("viewer-synthetic-start.png", first);
    const stats = imageStats(first);
    assert.ok(
      stats.variance > 50 && stats.inkFraction > 0.02,
      `the strip is drawn: ${JSON.stringify(stats)}`,
    );
    // Dark trace pixels (#111) are there; the overview draws the whole record.
    assert.ok(countColour(first, [17, 17, 17], 60) > 500, "the trace is drawn");
    assert.ok(
      imageStats(await page.locator("#overview").screenshot()).variance > 20,
      "the overview is drawn",
    );
    assert.deepEqual(await windowOf(page), { start: 0, end: 10 });
    assert.match((await page.locator("#window-label").textContent()) ?? "", /^00:00\.0 – 00:10\.0/);

    // The jump list: three planted disagreements, in time order.
    const items = page.locator("#jump-list button.jump");
    assert.equal(await items.count(), 3);
    const target = items.nth(1);
    const beatIndex = Number(await target.getAttribute("data-beat"));
    const beatTime = beats[beatIndex]!.sample / FS;
    assert.ok(beatTime > 60, "the chosen disagreement is far from the first window");
    const before = await rendersOf(page);
    await target.click();
    await waitRendered(page, before);
    const w = await windowOf(page);
    assert.ok(
      w.start > 50 && w.start <= beatTime && beatTime <= w.end,
      `window ${JSON.stringify(w)} shows ${beatTime}`,
    );
    assert.ok(Math.abs((w.start + w.end) / 2 - beatTime) < 0.01, "the beat is centred");
    assert.equal(await strip.getAttribute("data-selected"), String(beatIndex));
    assert.equal(await target.getAttribute("aria-current"), "true");
    assert.match(
      (await page.locator("#beat-info").textContent()) ?? "",
      /reference [NV] · predicted [NV].*label differs/,
    );
    const jumped = await strip.screenshot();
    saveScreenshot("viewer-synthetic-after-jump.png", jumped);
    // The selected beat's orange frame and the red disagreement band are drawn.
    assert.ok(countColour(jumped, [255, 152, 0], 40) > 100, "the selected beat is framed");
    assert.ok(countColour(jumped, [249, 220, 220], 20) > 200, "the disagreement is highlighted");
    assert.notDeepEqual(imageStats(jumped), stats);
    assert.deepEqual(errors, []);
  });
});

test("viewer: zoom (wheel, buttons) and pan (drag, scroll bar, keys)", { skip: chromiumSkip }, async () => {
  const { file } = syntheticPage();
  await withPage(async ({ page, errors }) => {
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector("body[data-ready='true']");
    const strip = page.locator("#strip");
    const box = (await strip.boundingBox())!;
    await page.locator("#zoom-out").click();
    let w = await windowOf(page);
    assert.deepEqual(w, { start: 0, end: 20 });
    await page.locator("button[data-span='all']").click();
    w = await windowOf(page);
    assert.deepEqual(w, { start: 0, end: SECONDS });
    const before = await rendersOf(page);
    await waitRendered(page, before - 1);
    saveScreenshot("viewer-synthetic-all.png", await strip.screenshot());
    // Wheel up over the middle zooms in around the cursor.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -600);
    await page.waitForFunction(
      `Number(document.getElementById("strip").dataset.end) - Number(document.getElementById("strip").dataset.start) < ${SECONDS}`,
    );
    w = await windowOf(page);
    assert.ok(w.end - w.start < SECONDS * 0.5, `wheel zoomed in: ${JSON.stringify(w)}`);
    assert.ok(Math.abs((w.start + w.end) / 2 - SECONDS / 2) < 1, "around the cursor");
    // Drag right by 200 px moves the window back in time.
    await page.locator("button[data-span='10']").click();
    const d0 = await windowOf(page);
    await page.mouse.move(box.x + 600, box.y + 150);
    await page.mouse.down();
    await page.mouse.move(box.x + 700, box.y + 150, { steps: 4 });
    await page.mouse.move(box.x + 800, box.y + 150, { steps: 4 });
    await page.mouse.up();
    const d1 = await windowOf(page);
    const expected = (200 / box.width) * 10;
    assert.ok(
      Math.abs(d0.start - d1.start - expected) < 0.05,
      `drag panned ${d0.start - d1.start}, wanted ${expected}`,
    );
    // The scroll bar and the arrow keys.
    await page.locator("#scroll").fill("80");
    assert.equal((await windowOf(page)).start, 80);
    await strip.focus();
    await page.keyboard.press("ArrowRight");
    assert.equal((await windowOf(page)).start, 82.5);
    await page.keyboard.press("+");
    w = await windowOf(page);
    assert.ok(Math.abs(w.end - w.start - 5) < 1e-6);
    // Time axis labels are mm:ss(.s).
    assert.match(
      (await page.locator("#window-label").textContent()) ?? "",
      /^01:25\.0 – 01:30\.0 {2}\(5\.0 s shown\)$/,
    );
    assert.deepEqual(errors, []);
  });
});

test("viewer: record 100 (650,000 samples) loads and redraws quickly", {
  skip: chromiumSkip || mitdbSkip,
}, async () => {
  const r = spawnSync(
    process.execPath,
    [path.join(repoRoot, "bin", "ecg.js"), "view", "--record", recordPath("100")],
    {
      encoding: "utf8",
      cwd: root,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  await withPage(async ({ page, errors }) => {
    const t0 = performance.now();
    await page.goto(pathToFileURL(path.join(root, "100-view.html")).href);
    await page.waitForSelector("body[data-ready='true']");
    const loadMs = performance.now() - t0;
    assert.ok(loadMs < 10_000, `loaded in ${loadMs.toFixed(0)} ms`);
    saveScreenshot("viewer-100-start.png", await page.locator("#strip").screenshot());
    // Whole record in one window: min/max per pixel keeps it quick.
    const before = await rendersOf(page);
    const t1 = performance.now();
    await page.locator("button[data-span='all']").click();
    await waitRendered(page, before);
    const redrawMs = performance.now() - t1;
    assert.ok(redrawMs < 2_000, `whole-record redraw took ${redrawMs.toFixed(0)} ms`);
    const all = await page.locator("#strip").screenshot();
    saveScreenshot("viewer-100-all.png", all);
    assert.ok(imageStats(all).variance > 50);
    assert.deepEqual(await windowOf(page), { start: 0, end: Number((650000 / 360).toFixed(3)) });
    saveScreenshot("viewer-100-page.png", await page.screenshot({ fullPage: true }));
    assert.deepEqual(errors, []);
  });
});
