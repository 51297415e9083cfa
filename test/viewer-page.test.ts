// The viewer's page builder, beat merging and summary (no browser), and `ecg view` on MIT-BIH record 100.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { native } from "../src/engine/native.js";
import {
  buildViewerHtml,
  disagreement,
  encodeSignal,
  formatTime,
  type ViewerBeat,
} from "../src/report/viewer.js";
import { mergeBeats } from "../src/report/viewer-beats.js";
import { viewerSummary } from "../src/report/viewer-summary.js";
import { mitdbSkip, recordPath, repoRoot } from "./helpers/mitdb.js";
import { tempDir } from "./helpers/run-fixture.js";

const root = tempDir("ecg-viewer-test-");

/** --model needs libtorch; without the built addon that test skips with the reason. */
const engineSkip: string | false = (() => {
  try {
    native();
    return false;
  } catch (e) {
    return `libtorch engine unavailable: ${(e as Error).message.split("\n")[0]}`;
  }
})();
after(() => rmSync(root, { recursive: true, force: true }));

function ecg(...args: string[]) {
  return spawnSync(process.execPath, [path.join(repoRoot, "bin", "ecg.js"), ...args], {
    encoding: "utf8",
    cwd: root,
  });
}

/** The JSON the page embeds for its script. */
function embedded(html: string): {
  scale: number;
  signal: string;
  beats: { sample: number[]; flag: number[]; ref: string[]; pred: string[] };
} {
  const m = /<script type="application\/json" id="ecg-data">(.*?)<\/script>/s.exec(html);
  assert.ok(m, "the page embeds its data");
  return JSON.parse(m[1]!);
}

test("the signal round-trips through base64 Int16 within the quantisation step; NaN is a gap", () => {
  const signal = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 20) * 2.5 - 0.3);
  signal[500] = Number.NaN;
  const { base64, scale } = encodeSignal(signal);
  const bytes = Buffer.from(base64, "base64");
  assert.equal(bytes.length, 2000);
  for (let i = 0; i < signal.length; i++) {
    const q = bytes.readInt16LE(i * 2);
    if (i === 500) assert.equal(q, -32768);
    else assert.ok(Math.abs(q * scale - signal[i]!) <= scale / 2 + 1e-6, `sample ${i}`);
  }
});

test("disagreements compare AAMI classes; one-sided beats count only when both sides exist", () => {
  assert.equal(disagreement({ sample: 1, reference: "L", predicted: "N" }, true, true), undefined);
  assert.equal(disagreement({ sample: 1, reference: "A", predicted: "N" }, true, true), "mismatch");
  assert.equal(disagreement({ sample: 1, reference: "V" }, true, true), "missed");
  assert.equal(disagreement({ sample: 1, predicted: "V" }, true, true), "extra");
  assert.equal(disagreement({ sample: 1, reference: "V" }, true, false), undefined);
});

test("mergeBeats pairs beats within 150 ms and keeps the unpaired ones", () => {
  const beats = mergeBeats(
    [
      { sample: 1000, symbol: "N" },
      { sample: 1300, symbol: "V" },
      { sample: 1600, symbol: "N" },
    ],
    [
      { sample: 1010, label: "N", probs: [0.9, 0.02, 0.04, 0.02, 0.02] },
      { sample: 1290, label: "N" },
      { sample: 2000, label: "S" },
    ],
    360,
  );
  assert.deepEqual(
    beats.map((b) => [b.sample, b.reference, b.predicted]),
    [
      [1000, "N", "N"],
      [1300, "V", "N"],
      [1600, "N", undefined],
      [2000, undefined, "S"],
    ],
  );
  assert.deepEqual(beats[0]!.probs, [0.9, 0.02, 0.04, 0.02, 0.02]);
});

test("the page embeds signal and beats, lists each disagreement once, and shows the summary", () => {
  const beats: ViewerBeat[] = [
    { sample: 100, reference: "N", predicted: "N" },
    { sample: 400, reference: "V", predicted: "N", probs: [0.6, 0.1, 0.2, 0.05, 0.05] },
    { sample: 700, reference: "N" },
  ];
  const summary = viewerSummary(
    { record: "x/200", lead: "MLII", signalIndex: 0, nSignals: 2, fs: 360, nSamples: 1000 },
    beats,
  );
  const html = buildViewerHtml({
    record: "200",
    fs: 360,
    lead: "MLII",
    signal: new Float32Array(1000),
    beats,
    summary,
  });
  const data = embedded(html);
  assert.deepEqual(data.beats.sample, [100, 400, 700]);
  assert.deepEqual(data.beats.flag, [0, 1, 2]);
  assert.equal(Buffer.from(data.signal, "base64").length, 2000);
  assert.equal((html.match(/class="jump /g) ?? []).length, 2);
  assert.match(html, /data-beat="1"><span class="t">00:01\.11<\/span> ref <b>V<\/b> · pred <b>N<\/b>/);
  assert.match(html, /agreement \(AAMI class\)<\/th><td>50\.00 % of 2 matched beats/);
  assert.match(html, /label differs 1 · no prediction 1 · no reference beat 0/);
  assert.doesNotMatch(html, /(src|href)="https?:/);
  // A label cannot break out of the page's markup or its embedded JSON.
  const hostile = buildViewerHtml({
    record: "</script><b>",
    fs: 360,
    lead: "II",
    signal: new Float32Array(10),
    beats: [{ sample: 1, reference: "</script>", predicted: "N" }],
    summary: { "<i>": "</script>" },
  });
  assert.equal((hostile.match(/<\/script>/g) ?? []).length, 2);
});

test("formatTime writes mm:ss, with decimals when asked", () => {
  assert.equal(formatTime(0), "00:00");
  assert.equal(formatTime(1805.6), "30:05");
  assert.equal(formatTime(65.25, 2), "01:05.25");
  assert.equal(formatTime(5.5, 1), "00:05.5");
});

test("ecg view writes <record>-view.html with record 100's beats and summary", { skip: mitdbSkip }, () => {
  // --model none: the reference labels only (without it, the default model labels the beats when installed).
  const r = ecg("view", "--record", recordPath("100"), "--model", "none");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "100-view.html");
  const html = readFileSync(path.join(root, "100-view.html"), "utf8");
  const data = embedded(html);
  // Record 100: 2,273 beats (2,239 N, 33 A, 1 V), 650,000 samples of MLII.
  assert.equal(data.beats.sample.length, 2273);
  assert.equal(Buffer.from(data.signal, "base64").length, 650000 * 2);
  assert.match(html, /reference beats<\/th><td>2,273 \(N 2,239 · S 33 · V 1 · F 0 · Q 0\)/);
  assert.match(html, /lead<\/th><td>MLII \(signal 0 of 2\)/);
  assert.match(html, /duration<\/th><td>30:05 \(650,000 samples\)/);
  assert.match(html, /No predictions: run <code>ecg view --model FILE<\/code>/);
});

test("ecg view: errors name the culprit and exit 1 or 2", { skip: mitdbSkip }, () => {
  const noRecord = ecg("view");
  assert.equal(noRecord.status, 2);
  assert.match(noRecord.stderr, /--record is required/);
  const missing = ecg("view", "--record", path.join(root, "nope"));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.hea/);
  assert.equal(missing.stderr.trim().split("\n").length, 1);
  const badLead = ecg("view", "--record", recordPath("100"), "--lead", "V9");
  assert.equal(badLead.status, 1);
  assert.match(badLead.stderr, /no lead 'V9'/);
  const noModel = ecg("view", "--record", recordPath("100"), "--model", "missing.safetensors");
  assert.equal(noModel.status, 1);
  assert.match(noModel.stderr, /missing\.safetensors: no such model file/);
  const help = ecg("view", "--help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /ecg view --record data\/mitdb\/100/);
});

test("ecg view --serve serves the page on 127.0.0.1 until stopped", { skip: mitdbSkip }, async () => {
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, "bin", "ecg.js"), "view", "--record", recordPath("100"), "--serve"],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
        if (m) resolve(m[0]);
      });
      child.on("exit", (code) => reject(new Error(`ecg view --serve exited with ${code}`)));
    });
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await page.text(), /<title>Record 100 · MLII<\/title>/);
    assert.equal((await fetch(`${url}other`)).status, 404);
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  }
});

test("ecg view --model labels every beat and lists where it disagrees with the reference", {
  skip: mitdbSkip || engineSkip,
}, async () => {
  // An untrained compact network: its labels are arbitrary, which is what makes disagreements.
  const { SeedNet } = await import("../src/models/seed-net.js");
  const { presetConfig } = await import("../src/models/config.js");
  const { saveCheckpoint } = await import("../src/models/checkpoint.js");
  const net = new SeedNet(presetConfig("compact"));
  const model = path.join(root, "untrained.safetensors");
  try {
    saveCheckpoint(model, net);
  } finally {
    net.dispose();
  }
  const r = ecg("view", "--record", recordPath("100"), "--model", model, "--output", "100-model.html");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "100-model.html");
  const html = readFileSync(path.join(root, "100-model.html"), "utf8");
  const data = embedded(html);
  const predicted = data.beats.pred.filter((p) => p !== "").length;
  assert.ok(predicted > 2000, `${predicted} beats labelled`);
  assert.ok(data.beats.pred.every((p) => p === "" || ["N", "S", "V", "F", "Q"].includes(p)));
  const flagged = data.beats.flag.filter((f) => f > 0).length;
  assert.equal((html.match(/class="jump /g) ?? []).length, flagged);
  assert.match(html, /predicted beats<\/th><td>[\d,]+ \(N /);
  assert.match(html, /agreement \(AAMI class\)<\/th><td>[\d.]+ % of [\d,]+ matched beats/);
  assert.match(html, /model<\/th><td>untrained\.safetensors/);
});
