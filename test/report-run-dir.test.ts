// The run directory reader and the `ecg report` command, on hand-made run directories.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { readCheckpointInfo } from "../src/models/checkpoint.js";
import { buildReportHtml, runLabels } from "../src/report/report.js";
import { RunDirError } from "../src/run-dir/errors.js";
import { readRunConfig, readRunDir } from "../src/run-dir/read.js";
import { CheckpointProvenanceSchema } from "../src/run-dir/schema.js";
import { trainRun } from "../src/train/train-run.js";
import { engineSkip } from "./helpers/engine.js";
import { mitdbSkip, repoRoot } from "./helpers/mitdb.js";
import { makeRunDir, tempDir } from "./helpers/run-fixture.js";
import { makeTrainData, tinyRunOptions } from "./helpers/train-data.js";

const root = tempDir("ecg-report-test-");
after(() => rmSync(root, { recursive: true, force: true }));

function ecg(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, [path.join(repoRoot, "bin", "ecg.js"), ...args], {
    encoding: "utf8",
    cwd,
  });
}

test("readRunDir reads every file of a complete run", () => {
  const dir = makeRunDir(root, "complete");
  const run = readRunDir(dir);
  assert.equal(run.config.preset, "compact");
  assert.equal(run.config.model?.groups, 8);
  assert.deepEqual(run.config.data?.classCounts?.test, [18118, 556, 1448, 162, 1608]);
  const loss = run.config.loss;
  assert.equal(loss?.name, "focal");
  assert.deepEqual(loss?.name === "focal" && loss.alpha, [0.15, 0.75, 0.65, 0.75, 0.25]);
  assert.deepEqual(run.config.raw["futureField"], { note: "unknown fields are shown, not rejected" });
  assert.equal(run.metrics.length, 14);
  assert.equal(run.metrics[13]!.epoch, 14);
  assert.equal(run.testEval?.confusion?.length, 5);
  assert.equal(run.testEval?.perClass[1]?.class, "S");
  assert.equal(run.misclassified?.length, 24);
  assert.equal(run.misclassified?.[0]?.beat.length, 187);
  assert.deepEqual(
    run.files.map((f) => f.name),
    ["config.json", "metrics.jsonl", "test-eval.json", "misclassified.json", "best.safetensors"],
  );
});

test("readRunDir accepts a run in progress: sparse config, no metrics, no evaluation", () => {
  const dir = makeRunDir(root, "sparse", { withTestEval: false, withMisclassified: false });
  writeFileSync(path.join(dir, "config.json"), JSON.stringify({ preset: "seed" }));
  rmSync(path.join(dir, "metrics.jsonl"));
  const run = readRunDir(dir);
  assert.equal(run.config.preset, "seed");
  assert.equal(run.config.model, undefined);
  assert.deepEqual(run.metrics, []);
  assert.equal(run.testEval, undefined);
  assert.equal(run.misclassified, undefined);
});

test("malformed files give a RunDirError naming the file (and the line or field)", () => {
  const dir = makeRunDir(root, "broken");
  const cases: [string, string, RegExp][] = [
    ["config.json", "{ not json", /config\.json: invalid JSON/],
    ["config.json", JSON.stringify({ epochs: "many" }), /config\.json: field 'epochs' must be a number/],
    [
      "config.json",
      JSON.stringify({ model: { dim: "8" } }),
      /config\.json: field 'model\.dim' must be a number/,
    ],
    [
      "metrics.jsonl",
      '{"epoch":1}\n{"epoch":2,"valLoss":"x"}\n',
      /metrics\.jsonl:2: field 'valLoss' must be a number/,
    ],
    ["metrics.jsonl", '{"epoch":1}\n[1,2]\n', /metrics\.jsonl:2: each line must hold a JSON object/],
    [
      "test-eval.json",
      JSON.stringify({ classes: ["N", "S"], confusion: [[1, 2]] }),
      /test-eval\.json: 'confusion' must be 2×2/,
    ],
    [
      "misclassified.json",
      JSON.stringify([{ index: 1, true: 0, pred: 1 }]),
      /misclassified\.json: field '\[0\]\.beat'/,
    ],
  ];
  cases.forEach(([file, content, message], i) => {
    const fresh = makeRunDir(root, `broken-${i}`);
    writeFileSync(path.join(fresh, file), content);
    assert.throws(
      () => readRunDir(fresh),
      (e: unknown) =>
        e instanceof RunDirError && message.test(e.message) && e.file === path.join(fresh, file),
      `${file}: ${content}`,
    );
  });
  assert.throws(() => readRunDir(path.join(dir, "nope")), /no such run directory/);
  rmSync(path.join(dir, "config.json"));
  assert.throws(() => readRunDir(dir), /config\.json: missing/);
});

test("run labels are preset names, else directory names, always unique", () => {
  const a = readRunDir(makeRunDir(root, "lab-a", { preset: "seed" }));
  const b = readRunDir(makeRunDir(root, "lab-b", { preset: "seed-resnext" }));
  const c = readRunDir(makeRunDir(root, "lab-c", { preset: "seed" }));
  assert.deepEqual(runLabels([a, b]), ["seed", "seed-resnext"]);
  assert.deepEqual(runLabels([a, c]), ["lab-a", "lab-c"]);
});

test("the report page holds every section, inline SVG plots and no external resource", async () => {
  const run = readRunDir(makeRunDir(root, "page"));
  const html = await buildReportHtml([{ run, shownPath: "runs/page" }]);
  for (const id of ["plot-loss", "plot-accuracy", "plot-confusion", "plot-misclassified"]) {
    assert.match(html, new RegExp(`<figure class="plot" id="${id}"><svg `), id);
  }
  assert.match(html, /Data provenance/);
  assert.match(html, /class="per-class"/);
  assert.match(html, /futureField/);
  assert.match(html, /Kachuee et al\. 2018/);
  assert.doesNotMatch(html, /<script/);
  assert.doesNotMatch(html, /(src|href)="https?:/);
  // Clip-path ids are unique across the inline SVGs (vega numbers them from 1 in every plot).
  const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length);
});

test("ecg report writes RUN_DIR/report.html and prints its path relative to cwd", () => {
  const dir = makeRunDir(root, "cli-one");
  const r = ecg(root, "report", "cli-one");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), path.join("cli-one", "report.html"));
  assert.ok(readFileSync(path.join(dir, "report.html"), "utf8").startsWith("<!DOCTYPE html>"));
});

test("ecg report with two runs overlays their validation losses", () => {
  makeRunDir(root, "cli-seed", { preset: "seed", finalValLoss: 0.015 });
  makeRunDir(root, "cli-resnext", { preset: "seed-resnext", finalValLoss: 0.03 });
  const r = ecg(root, "report", "cli-seed", "cli-resnext", "--output", "both.html");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "both.html");
  const html = readFileSync(path.join(root, "both.html"), "utf8");
  assert.match(html, /id="plot-val-loss-overlay"/);
  assert.match(html, /id="comparison-table"/);
  assert.match(html, />seed-resnext</);
  assert.match(html, /id="run-seed"/);
  assert.match(html, /id="run-seed-resnext"/);
});

test("ecg report: usage and user errors exit 2 and 1 with one line", () => {
  const none = ecg(root, "report");
  assert.equal(none.status, 2);
  assert.match(none.stderr, /give a run directory/);
  const missing = ecg(root, "report", "no-such-run");
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim().split("\n").length, 1);
  assert.match(missing.stderr, /no-such-run: no such run directory/);
  const dir = makeRunDir(root, "cli-bad");
  writeFileSync(path.join(dir, "metrics.jsonl"), "{oops\n");
  const bad = ecg(root, "report", "cli-bad");
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /metrics\.jsonl:1: invalid JSON/);
  assert.ok(!existsSync(path.join(dir, "report.html")));
  const help = ecg(root, "report", "--help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /ecg report runs\/seed runs\/seed-resnext/);
});

describe("the run directory contract", () => {
  test("a real short training's run directory reads back through the report's reader, every field", {
    skip: engineSkip || mitdbSkip,
  }, async () => {
    const data = path.join(root, "rt-data");
    makeTrainData(data, { test: true });
    const dir = path.join(root, "round-trip");
    const options = tinyRunOptions(data, dir, {
      weightDecay: 1e-4,
      warmupEpochs: 1,
      seed: 3,
      limitBeats: 300,
    });
    await trainRun({ options });
    const run = readRunDir(dir);
    const json = (f: string) => JSON.parse(readFileSync(path.join(dir, f), "utf8"));
    // Equal as a whole: nothing the trainer writes is dropped or changed by the reader.
    const { raw, ...config } = run.config;
    assert.deepEqual(config, json("config.json"));
    assert.deepEqual(raw, json("config.json"));
    assert.deepEqual(readRunConfig(dir), json("config.json"), "the strict reading (resume) too");
    for (const key of ["weightDecay", "schedule", "warmupEpochs"] as const)
      assert.notEqual(run.config.optimizer?.[key], undefined, key);
    assert.equal(run.config.loss?.name === "focal" && run.config.loss.detachModulating, true);
    const lines = readFileSync(path.join(dir, "metrics.jsonl"), "utf8").trim().split("\n");
    assert.deepEqual(
      run.metrics,
      lines.map((l) => JSON.parse(l)),
    );
    assert.equal(run.metrics.length, 2);
    assert.deepEqual(run.testEval, json("test-eval.json"));
    assert.deepEqual(run.misclassified, json("misclassified.json"));
    assert.ok((run.misclassified?.length ?? 0) > 0);
    assert.deepEqual(
      run.files.map((f) => f.name),
      [
        "config.json",
        "metrics.jsonl",
        "test-eval.json",
        "misclassified.json",
        "best.safetensors",
        "last.safetensors",
      ],
    );
    // The checkpoints' provenance, as written, is what the schema declares (the last one adds its loop).
    for (const f of ["best.safetensors", "last.safetensors"]) {
      const provenance = readCheckpointInfo(path.join(dir, f)).provenance;
      assert.deepEqual(CheckpointProvenanceSchema.parse(provenance), provenance, f);
    }
  });

  test("the shipped checkpoints' provenance and an older config.json still load", () => {
    for (const f of ["compact-kaggle.safetensors", "compact-interpatient.safetensors"]) {
      const provenance = readCheckpointInfo(path.join(repoRoot, "models", f)).provenance;
      const parsed = CheckpointProvenanceSchema.parse(provenance);
      assert.equal(parsed.config.preset, "compact", f);
      assert.equal(parsed.config.data.limitBeats, 0, "a field older files lack reads as its default");
    }
    // A config.json without the fields added since (maxSteps, limitBeats, overrides) and with one nobody
    // declared: the report and a resume both read it.
    const dir = makeRunDir(root, "older");
    const config = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8"));
    const strict = readRunConfig(dir);
    assert.equal(strict.maxSteps, 0);
    assert.equal(strict.data.limitBeats, 0);
    assert.deepEqual(strict.overrides, []);
    assert.equal(config.maxSteps, undefined);
    assert.deepEqual(readRunDir(dir).config.raw["futureField"], config.futureField);
    writeFileSync(
      path.join(dir, "metrics.jsonl"),
      `${JSON.stringify({ epoch: 1, trainLoss: 0.5, gradNorm: 3 })}\n${JSON.stringify({ epoch: 2, valLoss: null })}\n`,
    );
    const metrics = readRunDir(dir).metrics;
    assert.deepEqual(metrics[0], { epoch: 1, trainLoss: 0.5 });
    assert.ok(Number.isNaN(metrics[1]!.valLoss), "JSON's null (a NaN written) reads back as NaN");
  });

  test("the page shows the settings config.json records: overrides, limits, the validation split, the epoch order and selection", async () => {
    const dir = makeRunDir(root, "overridden");
    const file = path.join(dir, "config.json");
    const config = JSON.parse(readFileSync(file, "utf8"));
    config.maxSteps = 500;
    config.data.limitBeats = 2000;
    config.data.valSplit = "records";
    config.data.valRecords = ["114", "124"];
    config.data.trainRecords = ["101", "106", "108"];
    config.sampler = { name: "balanced", power: 0.3, maxRepeat: 20 };
    config.select = "sv-f1";
    config.overrides = [
      {
        at: "2025-02-03T04:05:06.000Z",
        epoch: 2,
        changes: { epochs: { from: 2, to: 3 }, lr: { from: 0.001, to: 0.0005 } },
      },
    ];
    writeFileSync(file, JSON.stringify(config));
    const html = await buildReportHtml([{ run: readRunDir(dir), shownPath: "runs/overridden" }]);
    assert.match(
      html,
      /resumed after epoch 2<\/th><td>epochs 2 → 3, lr 0\.001 → 0\.0005 \(2025-02-03T04:05:06\.000Z\)/,
    );
    assert.match(html, /max steps<\/th><td>500/);
    assert.match(html, /a stratified sample of 2000/);
    assert.match(html, /validation fraction<\/th><td>0\.2/);
    assert.match(html, /weightDecay: 0, schedule: cosine, warmupEpochs: 0/);
    assert.match(html, /validation split<\/th><td>whole records: 114 124 held out, 3 trained on/);
    assert.match(
      html,
      /epoch order<\/th><td>class-balanced: each class drawn ∝ count\^0\.3, a beat at most 20 times/,
    );
    assert.match(html, /best epoch chosen by<\/th><td>sv-f1/);
    assert.match(html, /augmentation<\/th><td>none/);
  });

  test("writing a report over a file of the run is refused", () => {
    makeRunDir(root, "self");
    const r = ecg(root, "report", "self", "--output", "self/config.json");
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /self\/config\.json: refusing to write over a file of run self, which this command reads/,
    );
  });
});
