// The viewer's beat lists and rhythm section: disagreements over the scored span only, the beats called
// S, V and F, reference symbols with their AAMI class, a clicked beat's five probabilities, the R-R
// strip, the rhythm summary's episodes and `#sample=` addresses — on a built page (no browser), then in
// headless Chromium on MIT-BIH records 200 (the default model) and 232 (reference labels only).
// Screenshots go to the OS temp dir (paths printed).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { DEFAULT_MODEL } from "../src/models/model-file.js";
import { buildViewerHtml, symbolWithClass, type ViewerBeat } from "../src/report/viewer.js";
import { chromiumSkip, decodePng, saveScreenshot, withPage } from "./helpers/chromium.js";
import { mitdbSkip, recordPath, repoRoot } from "./helpers/mitdb.js";
import { tempDir } from "./helpers/run-fixture.js";

const root = tempDir("ecg-viewer-beats-");
after(() => rmSync(root, { recursive: true, force: true }));

interface PageData {
  fs: number;
  scored: { start: number; excluded: [number, number][]; protocol: string } | null;
  beats: {
    sample: number[];
    ref: string[];
    pred: string[];
    flag: number[];
    probs: (number[] | null)[];
  };
}

function embedded(html: string): PageData {
  const m = /<script type="application\/json" id="ecg-data">(.*?)<\/script>/s.exec(html);
  assert.ok(m, "the page embeds its data");
  return JSON.parse(m[1]!) as PageData;
}

function ecgView(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, "bin", "ecg.js"), "view", ...args], {
    encoding: "utf8",
    cwd: root,
  });
  assert.equal(r.status, 0, r.stderr);
  return r;
}

test("page: disagreements only inside the scored span; lists of the beats called S, V, F; symbols with their class", () => {
  const fs = 100;
  const beats: ViewerBeat[] = [
    { sample: 100, reference: "A", predicted: "N" }, // before the span: not a disagreement
    { sample: 500, reference: "A", predicted: "N", probs: [0.6, 0.3, 0.05, 0.03, 0.02] },
    { sample: 600, reference: "V", predicted: "V" },
    { sample: 700, reference: "N", predicted: "V" }, // inside a VF episode: not scored
    { sample: 900, reference: "L", predicted: "F" },
    { sample: 950, predicted: "S" },
  ];
  const html = buildViewerHtml({
    record: "x",
    fs,
    lead: "MLII",
    signal: new Float32Array(1000),
    beats,
    summary: [],
    scored: { start: 300, excluded: [{ from: 650, to: 750 }], protocol: "bxb/EC57: from 3 s" },
  });
  const data = embedded(html);
  assert.deepEqual(data.beats.flag, [0, 1, 0, 0, 1, 3]);
  assert.equal((html.match(/class="jump /g) ?? []).length, 3);
  assert.match(html, /Over the scored span only \(bxb\/EC57: from 3 s\)/);
  // Beats called V: two (one inside the VF episode, listed all the same); F one; S one.
  assert.match(html, /id="tab-V"[^>]*>V \(2\)</);
  assert.match(html, /id="tab-F"[^>]*>F \(1\)</);
  assert.match(html, /id="tab-S"[^>]*>S \(1\)</);
  assert.equal(
    (html.match(/<ol class="beat-list" id="list-V">[\s\S]*?<\/ol>/)?.[0].match(/<li>/g) ?? []).length,
    2,
  );
  assert.match(html, /ref <b>A·S<\/b> · pred <b>N<\/b> <span class="p">p 0\.60<\/span>/);
  assert.match(html, /ref <b>L·N<\/b> · pred <b>F<\/b>/);
  assert.equal(symbolWithClass("V"), "V");
  assert.equal(symbolWithClass("/"), "/·Q");
  assert.match(
    html,
    /<td><b>A<\/b><\/td><td><span class="sw c1">S<\/span><\/td><td>atrial premature beat<\/td><td>2<\/td>/,
  );
  assert.deepEqual(data.beats.probs[1], [0.6, 0.3, 0.05, 0.03, 0.02]);
  assert.equal(data.beats.probs[0], null);
  assert.deepEqual(data.scored, { start: 300, excluded: [[650, 750]], protocol: "bxb/EC57: from 3 s" });
});

/** Pixels close to a colour in a PNG. */
function countColour(png: Buffer, rgb: [number, number, number], tol = 40): number {
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

async function ready(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector("body[data-ready='true']");
}

async function windowOf(page: Page): Promise<{ start: number; end: number; selected: number }> {
  const strip = page.locator("#strip");
  return {
    start: Number(await strip.getAttribute("data-start")),
    end: Number(await strip.getAttribute("data-end")),
    selected: Number(await strip.getAttribute("data-selected")),
  };
}

const modelSkip =
  chromiumSkip ||
  mitdbSkip ||
  (existsSync(DEFAULT_MODEL) ? false : `the default model is not installed (${DEFAULT_MODEL})`);

test("record 200 in Chromium: scored-span disagreements, the V list, five probabilities, A·S, the R-R strip", {
  skip: modelSkip,
}, async () => {
  ecgView("--record", recordPath("200"), "--output", "200-view.html");
  const file = path.join(root, "200-view.html");
  const data = embedded(readFileSync(file, "utf8"));
  const start = 300 * data.fs;
  // Every disagreement the page lists is inside EC57's scored span (200 has no VF episode).
  assert.equal(data.scored?.start, start);
  assert.deepEqual(data.scored?.excluded, []);
  assert.match(data.scored?.protocol ?? "", /^bxb\/EC57/);
  const flagged = data.beats.flag.map((f, i) => (f > 0 ? i : -1)).filter((i) => i >= 0);
  assert.ok(flagged.length > 10);
  assert.ok(flagged.every((i) => data.beats.sample[i]! >= start));
  const early = data.beats.sample.findIndex(
    (s, i) =>
      s < start &&
      data.beats.ref[i] !== "" &&
      data.beats.pred[i] !== "" &&
      data.beats.ref[i] !== data.beats.pred[i] &&
      data.beats.ref[i] !== "N",
  );
  const calledV = data.beats.pred.map((p, i) => (p === "V" ? i : -1)).filter((i) => i >= 0);
  await withPage(async ({ page, errors }) => {
    await ready(page, pathToFileURL(file).href);
    assert.equal(await page.locator("#jump-list button").count(), flagged.length);
    // The V list: every beat the model calls V, whatever the reference says.
    await page.locator("#tab-V").click();
    assert.equal(await page.locator("#panel-V").isVisible(), true);
    assert.equal(await page.locator("#panel-dis").isVisible(), false);
    const items = page.locator("#list-V button");
    assert.equal(await items.count(), calledV.length);
    const target = items.nth(40);
    const i = Number(await target.getAttribute("data-beat"));
    assert.equal(data.beats.pred[i], "V");
    await target.click();
    const w = await windowOf(page);
    const t = data.beats.sample[i]! / data.fs;
    assert.ok(w.start <= t && t <= w.end && w.selected === i, JSON.stringify({ w, t, i }));
    // Five probabilities, as the page embeds them, V the largest.
    const probs = page.locator("#beat-info .probs");
    assert.equal(await probs.getAttribute("data-probs"), data.beats.probs[i]!.join(","));
    assert.equal(await page.locator("#beat-info .prob").count(), 5);
    assert.match((await page.locator("#beat-info .prob.top").textContent()) ?? "", /^p\(V\)/);
    const sum = data.beats.probs[i]!.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 0.01, `probabilities sum to ${sum}`);
    assert.match(
      (await page.locator("#beat-info .more").textContent()) ?? "",
      /R-R \d\.\d\d s \(\d+ bpm\) before/,
    );
    // n walks the list shown: the next beat called V.
    await page.locator("#strip").focus();
    await page.keyboard.press("n");
    assert.equal((await windowOf(page)).selected, calledV[calledV.indexOf(i) + 1]);
    // The R-R strip draws the window's beats, coloured by class (V purple).
    const rr = page.locator("#rr");
    assert.ok(Number(await rr.getAttribute("data-points")) >= 8);
    const rrPng = await rr.screenshot();
    saveScreenshot("viewer-200-rr.png", rrPng);
    assert.ok(countColour(rrPng, [142, 68, 173]) > 10, "V points on the R-R strip");
    saveScreenshot("viewer-200-v-list.png", await page.screenshot({ fullPage: true }));

    // An atrial premature beat by its address: the reference's symbol with its class, and its meaning.
    const a = data.beats.ref.indexOf("A");
    await ready(page, `${pathToFileURL(file).href}#sample=${data.beats.sample[a]}`);
    assert.equal((await windowOf(page)).selected, a);
    const line = (await page.locator("#beat-info .line").textContent()) ?? "";
    assert.match(line, /reference A·S/);
    assert.match(
      (await page.locator("#beat-info .more").textContent()) ?? "",
      /reference A·S: atrial premature beat/,
    );
    await page.locator("button[data-span='2']").click();
    const strip = await page.locator("#strip").screenshot();
    saveScreenshot("viewer-200-a-beat.png", strip);
    // The learning period is shaded as not scored: at 00:30, every pixel column of the band is grey.
    if (early >= 0) {
      await ready(page, `${pathToFileURL(file).href}#sample=${data.beats.sample[early]}`);
      const info = (await page.locator("#beat-info").textContent()) ?? "";
      assert.match(info, /outside the scored span: not compared/);
      assert.doesNotMatch(info, /label differs/);
      const shaded = await page.locator("#strip").screenshot();
      saveScreenshot("viewer-200-not-scored.png", shaded);
      assert.ok(countColour(shaded, [239, 239, 239], 6) > 20000, "the unscored span is grey");
    }
    assert.deepEqual(errors, []);
  });
});

test("record 232 in Chromium (reference labels): the rhythm section's pauses move the strip to them", {
  skip: chromiumSkip || mitdbSkip,
}, async () => {
  ecgView("--record", recordPath("232"), "--model", "none", "--output", "232-view.html");
  const file = path.join(root, "232-view.html");
  const html = readFileSync(file, "utf8");
  const data = embedded(html);
  // Without a model the lists and the summary use the reference's labels.
  assert.match(html, /Beats the reference calls S, in time order/);
  assert.match(html, /labels by|reference labels \(atr\)/);
  const pausesHere: number[] = [];
  for (let i = 1; i < data.beats.sample.length; i++) {
    const rr = (data.beats.sample[i]! - data.beats.sample[i - 1]!) / data.fs;
    if (rr > 2) pausesHere.push(i - 1);
  }
  await withPage(async ({ page, errors }) => {
    await ready(page, pathToFileURL(file).href);
    assert.match(
      (await page.locator("#pauses summary").textContent()) ?? "",
      new RegExp(`: ${pausesHere.length}$`),
    );
    await page.locator("#pauses summary").click();
    const buttons = page.locator("#pauses button");
    assert.equal(await buttons.count(), pausesHere.length);
    await page.locator("button[data-span='10']").click();
    await buttons.nth(50).click();
    const w = await windowOf(page);
    assert.equal(w.selected, pausesHere[50]);
    // The R-R strip shows the pause above the 2-s line.
    assert.ok(Number(await page.locator("#rr").getAttribute("data-max-rr")) > 2);
    const wrap = await page.locator(".strip-wrap").screenshot();
    saveScreenshot("viewer-232-pause.png", wrap);
    // The dashed pause line (55 % red on white), and the whole pause in the window.
    assert.ok(countColour(wrap, [232, 136, 137], 40) > 30, "the dashed pause line");
    const after = data.beats.sample[pausesHere[50]! + 1]! / data.fs;
    assert.ok(
      w.end >= after + 0.9 && w.start <= data.beats.sample[pausesHere[50]!]! / data.fs - 0.9,
      JSON.stringify(w),
    );
    assert.match(
      (await page.locator("#heart-rate").textContent()) ?? "",
      /Heart rate: min \d+ \(00:\d\d:00\) · mean \d+ · max \d+/,
    );
    assert.equal(await page.locator("#hour-table tbody tr").count(), 1);
    assert.deepEqual(errors, []);
  });
});
