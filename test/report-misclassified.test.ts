// `ecg report`'s misclassified beats: each names its record and time (from the dataset's index, written
// into misclassified.json when the run is scored on its test side), and with --views links to the beat
// in that record's viewer page, which opens on it (headless Chromium). A dataset of four MIT-BIH records
// (two DS1, two DS2) keeps it quick.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import { aamiClass } from "../src/vocabulary.js";
import { readAnnotations } from "../src/wfdb/annotation.js";
import { chromiumSkip, saveScreenshot, withPage } from "./helpers/chromium.js";
import { mitdbSkip, recordPath, repoRoot } from "./helpers/mitdb.js";
import { makeRunDir, tempDir } from "./helpers/run-fixture.js";

const root = tempDir("ecg-report-mis-");
after(() => rmSync(root, { recursive: true, force: true }));

const model = path.join(repoRoot, "models", "compact-interpatient.safetensors");
const skip = mitdbSkip || (existsSync(model) ? false : `no ${model}`);
const RECORDS = ["101", "106", "208", "232"]; // DS1: 101 106; DS2: 208 232

interface Misclassified {
  index: number;
  true: number;
  pred: number;
  record?: string;
  sample?: number;
  seconds?: number;
}

test("misclassified beats name record and time; ecg report --views links each to its viewer page", {
  skip,
}, async () => {
  const db = path.join(root, "db");
  mkdirSync(db);
  for (const r of RECORDS)
    for (const ext of ["hea", "dat", "atr"])
      symlinkSync(`${recordPath(r)}.${ext}`, path.join(db, `${r}.${ext}`));
  const { buildDataset } = await import("../src/dataset/build.js");
  const dataDir = path.join(root, "data");
  const built = buildDataset({ mitdbDir: db, outDir: dataDir, split: "interpatient", seed: 42 });
  assert.deepEqual(
    built.records.map((r) => [r.record, r.fs]),
    RECORDS.map((r) => [r, 360]),
  );
  const run = makeRunDir(root, "run");
  copyFileSync(model, path.join(run, "best.safetensors"));
  const { evaluateRunOnTest } = await import("../src/train/test-eval.js");
  evaluateRunOnTest(run, dataDir, { threads: 1 });
  const beats = JSON.parse(readFileSync(path.join(run, "misclassified.json"), "utf8")) as Misclassified[];
  assert.ok(beats.length > 10, `${beats.length} misclassified`);
  // Each names a DS2 record, the sample of one of its reference beats of the true class, and its time.
  const annotations = new Map(["208", "232"].map((r) => [r, readAnnotations(recordPath(r))]));
  for (const b of beats) {
    assert.ok(b.record === "208" || b.record === "232", JSON.stringify(b));
    const a = annotations.get(b.record)!.find((x) => x.sample === b.sample);
    assert.ok(a, `${b.record} has a beat at sample ${b.sample}`);
    assert.equal(aamiClass(a.symbol), b.true);
    assert.equal(b.seconds, b.sample! / 360);
  }

  const ecg = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(repoRoot, "bin", "ecg.js"), "report", ...args], {
      encoding: "utf8",
    });
  // Without --views: record and time, and how to get the pages.
  const plain = ecg(run);
  assert.equal(plain.status, 0, plain.stderr);
  let html = readFileSync(path.join(run, "report.html"), "utf8");
  const first = beats[0]!;
  const time = (s: number) =>
    `${String(Math.floor(s / 60)).padStart(2, "0")}:${(s % 60).toFixed(2).padStart(5, "0")}`;
  assert.ok(
    html.includes(`<td>#${first.index}</td><td>${first.record}</td><td>${time(first.seconds!)}</td>`),
    "the first beat's row names its record and time",
  );
  assert.match(html, /--views MITDB_DIR<\/code> \(the records' directory\)/);
  assert.doesNotMatch(html, /-view\.html#sample=/);

  const views = ecg(run, "--views", db);
  assert.equal(views.status, 0, views.stderr);
  html = readFileSync(path.join(run, "report.html"), "utf8");
  const links = [...html.matchAll(/<a href="(views\/(\d+)-view\.html#sample=(\d+))">view<\/a>/g)];
  assert.equal(links.length, beats.length, "every beat links to its record's page");
  for (const r of new Set(beats.map((b) => b.record)))
    assert.ok(existsSync(path.join(run, "views", `${r}-view.html`)));
  assert.ok(!existsSync(path.join(run, "views", "101-view.html")), "only the records the beats come from");
  // A record missing from --views' directory: refused in one line before any page is written.
  const missing = ecg(run, "--views", path.join(root, "nowhere"), "--output", path.join(root, "other.html"));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr.trim(), /^ecg: error: .*nowhere\/\d+\.hea: no such record/);
  assert.equal(missing.stderr.trim().split("\n").length, 1);
  assert.ok(!existsSync(path.join(root, "other.html")));

  if (chromiumSkip) return;
  await withPage(async ({ page, errors }) => {
    const [href, record, sample] = links[Math.min(5, links.length - 1)]!.slice(1) as [string, string, string];
    await page.goto(pathToFileURL(path.join(run, "report.html")).href);
    await page.locator(`a[href="${href}"]`).click();
    await page.waitForSelector("body[data-ready='true']");
    assert.match(page.url(), new RegExp(`${record}-view\\.html#sample=${sample}$`));
    const selected = Number(await page.locator("#strip").getAttribute("data-selected"));
    assert.ok(selected >= 0, "the page opens with the beat selected");
    const info = (await page.locator("#beat-info .line").textContent()) ?? "";
    const at = Number(/\(sample (\d+)\)/.exec(info)?.[1]);
    assert.ok(Math.abs(at - Number(sample)) <= 54, `${info} is the beat at ${sample}`);
    saveScreenshot("report-linked-beat.png", await page.screenshot({ fullPage: false }));
    assert.deepEqual(errors, []);
  });
});
