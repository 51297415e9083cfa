// The report page in headless Chromium: every plot is an SVG with a real size and real pixels, the whole
// page screenshot is not blank, and the page makes no network request and throws no error.
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import { buildReportHtml } from "../src/report/report.js";
import { readRunDir } from "../src/run-dir/read.js";
import { chromiumSkip, imageStats, saveScreenshot, withPage } from "./helpers/chromium.js";
import { makeRunDir, tempDir } from "./helpers/run-fixture.js";

const root = tempDir("ecg-report-chromium-");
after(() => rmSync(root, { recursive: true, force: true }));

async function writeReport(name: string, dirs: string[]): Promise<string> {
  const runs = dirs.map((d) => ({ run: readRunDir(d), shownPath: path.basename(d) }));
  const file = path.join(root, `${name}.html`);
  writeFileSync(file, await buildReportHtml(runs));
  return file;
}

test("report: plots render in Chromium (nonzero SVG boxes, non-blank pixels)", {
  skip: chromiumSkip,
}, async () => {
  const file = await writeReport("one", [makeRunDir(root, "compact-run")]);
  await withPage(async ({ page, errors }) => {
    await page.goto(pathToFileURL(file).href);
    const ids = ["plot-loss", "plot-accuracy", "plot-confusion", "plot-misclassified"];
    for (const id of ids) {
      const svg = page.locator(`#${id} > svg`);
      const box = await svg.boundingBox();
      assert.ok(box && box.width > 100 && box.height > 100, `${id} has a real size: ${JSON.stringify(box)}`);
      const stats = imageStats(await svg.screenshot());
      assert.ok(stats.variance > 50 && stats.inkFraction > 0.02, `${id} is drawn: ${JSON.stringify(stats)}`);
      saveScreenshot(`report-${id}.png`, await svg.screenshot());
    }
    // The curves are lines with many points, the heat map 25 cells, the gallery 24 small plots.
    assert.equal(await page.locator("#plot-loss path[aria-roledescription='line mark']").count(), 2);
    assert.equal(await page.locator("#plot-confusion path[aria-roledescription='rect mark']").count(), 25);
    assert.equal(
      await page.locator("#plot-misclassified path[aria-roledescription='line mark']").count(),
      24,
    );
    assert.equal(await page.locator("table.per-class tbody tr").count(), 5);
    const shot = await page.screenshot({ fullPage: true });
    const stats = imageStats(shot);
    saveScreenshot("report-page.png", shot);
    assert.ok(stats.height > 1500, `the page is long: ${stats.height}px`);
    assert.ok(
      stats.variance > 100 && stats.colours > 50,
      `page screenshot is not blank: ${JSON.stringify(stats)}`,
    );
    assert.deepEqual(errors, []);
  });
});

test("report: two runs share one validation-loss plot", { skip: chromiumSkip }, async () => {
  const a = makeRunDir(root, "seed-run", { preset: "seed", finalValLoss: 0.015 });
  const b = makeRunDir(root, "resnext-run", { preset: "seed-resnext", finalValLoss: 0.04 });
  const file = await writeReport("two", [a, b]);
  await withPage(async ({ page, errors }) => {
    await page.goto(pathToFileURL(file).href);
    const overlay = page.locator("#plot-val-loss-overlay > svg");
    const box = await overlay.boundingBox();
    assert.ok(box && box.width > 100 && box.height > 100);
    assert.equal(await overlay.locator("path[aria-roledescription='line mark']").count(), 2);
    const legend = await overlay.locator(".role-legend").textContent();
    assert.match(legend ?? "", /seed-resnext/);
    const shot = await overlay.screenshot();
    saveScreenshot("report-overlay.png", shot);
    assert.ok(imageStats(shot).variance > 50);
    // Each run keeps its own section with its own plots.
    assert.equal(await page.locator("section.run").count(), 2);
    assert.equal(await page.locator("figure.plot > svg").count(), 9);
    assert.deepEqual(errors, []);
  });
});
