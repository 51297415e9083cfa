// No DS2 record reaches training or model selection: a real inter-patient build from MIT-BIH, its test
// side deleted (training must not need it), then the rows the trainer learns from and validates on,
// and the records a short real run writes into config.json, all checked against the DS2 list.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { CACHE_ENV } from "../src/dataset/beats-cache.js";
import { buildDataset } from "../src/dataset/build.js";
import { META_FILE } from "../src/dataset/dataset-dir.js";
import { DS1, DS2 } from "../src/dataset/split.js";
import { readCheckpointInfo } from "../src/models/checkpoint.js";
import { presetConfig } from "../src/models/config.js";
import { DEFAULT_MODEL } from "../src/models/model-file.js";
import { readSafetensors, toFloat32Array } from "../src/nn/safetensors.js";
import { CheckpointProvenanceSchema } from "../src/run-dir/schema.js";
import { ADVERSARY_PREFIX } from "../src/train/adversary.js";
import type { TrainOptions } from "../src/train/options.js";
import { trainOn } from "../src/train/trainer.js";
import { loadTrainingData, type TrainingData } from "../src/train/training-data.js";
import { classCounts } from "../src/vocabulary.js";
import { engineSkip } from "./helpers/engine.js";
import { mitdbDir, mitdbSkip } from "./helpers/mitdb.js";

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-interpatient-"));
const dataDir = path.join(tmp, "data");
// Beat caches of CSVs outside a built directory go to a folder of the test's own, not ~/.cache.
process.env[CACHE_ENV] = path.join(tmp, "beats-cache");

function options(extra: Partial<TrainOptions>): TrainOptions {
  return {
    dataDir,
    outDir: path.join(tmp, "run"),
    preset: "compact-rr",
    model: presetConfig("compact-rr"),
    epochs: 1,
    batch: 128,
    lr: 1e-3,
    finalLr: 0.1,
    weightDecay: 0,
    optimizer: "adam",
    loss: "ce",
    gamma: 0,
    alpha: [1, 1, 1, 1, 1],
    fullFocal: false,
    schedule: "constant",
    warmupEpochs: 0,
    valFraction: 0.2,
    valSplit: "auto",
    valRecords: undefined,
    balance: { power: 0.5, maxRepeat: 20 },
    augment: { stretch: 0.1, amplitude: 0.2, wander: 0.1, noise: 0.02, rate: 0.25, premature: 0.05 },
    adversary: 0,
    select: "sv-f1",
    seed: 1,
    device: "cpu",
    threads: 1,
    maxMinutes: 0,
    resume: false,
    ...extra,
  };
}

const ds1 = new Set<string>(DS1);
const ds2 = new Set<string>(DS2);

function checkRows(data: TrainingData, what: string): void {
  const records = data.set.records!;
  assert.equal(records.length, data.set.count, `${what}: a record per beat`);
  const seen = new Set<number>();
  for (const [side, rows] of [
    ["train", data.train],
    ["val", data.val],
  ] as const) {
    for (const i of rows) {
      const r = records[i]!;
      assert.ok(!ds2.has(r), `${what}: ${side} row ${i} is from DS2 record ${r}`);
      assert.ok(ds1.has(r), `${what}: ${side} row ${i} is from ${r}, not a DS1 record`);
      assert.ok(!seen.has(i), `${what}: row ${i} on both sides`);
      seen.add(i);
    }
  }
  assert.equal(seen.size, data.set.count, `${what}: every training-side beat on one side`);
  const trainRecords = new Set(Array.from(data.train, (i) => records[i]!));
  const valRecords = new Set(Array.from(data.val, (i) => records[i]!));
  assert.deepEqual([...valRecords].sort(), data.valRecords, `${what}: validation records as reported`);
  assert.ok(
    [...valRecords].every((r) => !trainRecords.has(r)),
    `${what}: a patient on both sides of the validation split`,
  );
}

describe("the shipped model for new patients", () => {
  test("every network in it was trained and selected on DS1 records only, whole records held out", () => {
    const info = readCheckpointInfo(DEFAULT_MODEL);
    const raw = info.provenance ?? {};
    const members = info.config.members === undefined ? [raw] : (raw["ensemble"] as unknown[]);
    assert.equal(members.length, info.config.members ?? 1, "one provenance per network");
    for (const [k, p] of members.entries()) {
      const { data, seed } = CheckpointProvenanceSchema.parse(p).config;
      const train = data.trainRecords ?? [];
      const val = data.valRecords ?? [];
      assert.equal(data.split, "interpatient", `network ${k}`);
      assert.ok(train.length > 0 && val.length > 0, `network ${k} names its records`);
      for (const r of [...train, ...val])
        assert.ok(ds1.has(r) && !ds2.has(r), `network ${k} (seed ${seed}): ${r}`);
      assert.ok(
        val.every((r) => !train.includes(r)),
        `network ${k}: a patient on both sides`,
      );
    }
  });
});

describe("inter-patient training never sees DS2", { skip: engineSkip || mitdbSkip }, () => {
  test("rows for training and selection are DS1 records only, whole records held out; a real run records them", async () => {
    buildDataset({ mitdbDir, outDir: dataDir, split: "interpatient", seed: 42 });
    // Training reads the training side only: without the test side it still works.
    for (const f of ["mitbih_test.csv", "mitbih_test.beats"]) rmSync(path.join(dataDir, f), { force: true });

    for (const seed of [1, 2, 3]) {
      const data = loadTrainingData(options({ seed }));
      assert.equal(data.valSplit, "records", "inter-patient data splits by record by default");
      checkRows(data, `auto, seed ${seed}`);
      const valCounts = classCounts(Array.from(data.val, (i) => data.set.y[i]!));
      assert.ok(valCounts[1]! > 0 && valCounts[2]! > 0, `seed ${seed}: S and V in validation ${valCounts}`);
    }
    const named = loadTrainingData(options({ valRecords: ["114", "124", "220", "223"] }));
    checkRows(named, "named");
    assert.deepEqual(named.valRecords, ["114", "124", "220", "223"]);
    assert.throws(
      () => loadTrainingData(options({ valRecords: ["100"] })),
      /validation records not in the data: 100/,
      "a DS2 record cannot even be named for validation",
    );

    // A real (short) run on every 40th row of each side: config.json names the records it used.
    const small: TrainingData = {
      ...named,
      train: named.train.filter((_, k) => k % 40 === 0),
      val: named.val.filter((_, k) => k % 40 === 0),
    };
    const result = await trainOn(small, options({ valRecords: named.valRecords, adversary: 0.1 }));
    assert.equal(result.epochsDone, 1);
    const config = JSON.parse(readFileSync(path.join(tmp, "run", "config.json"), "utf8"));
    assert.equal(config.data.valSplit, "records");
    assert.deepEqual(config.data.valRecords, ["114", "124", "220", "223"]);
    for (const r of [...config.data.trainRecords, ...config.data.valRecords]) {
      assert.ok(ds1.has(r) && !ds2.has(r), `config.json names ${r}`);
    }
    assert.deepEqual(config.sampler, { name: "balanced", power: 0.5, maxRepeat: 20 });
    assert.equal(config.select, "sv-f1");
    assert.equal(config.adversary, 0.1, "subject-adversarial: patients of DS1's training records only");

    // The adversary is training-only: not in the model's checkpoint, kept in the last one; balanced,
    // augmented, adversarial epochs are a function of (seed, epoch): a run stopped after epoch 1 and
    // resumed ends bit for bit where a straight 2-epoch run does.
    const best = readSafetensors(path.join(tmp, "run", "best.safetensors")).tensors;
    assert.ok(![...best.keys()].some((k) => k.startsWith(ADVERSARY_PREFIX)));
    assert.ok(
      [...readSafetensors(path.join(tmp, "run", "last.safetensors")).tensors.keys()].some((k) =>
        k.startsWith(ADVERSARY_PREFIX),
      ),
    );
    const two = { valRecords: named.valRecords, adversary: 0.1, epochs: 2 };
    await trainOn(small, options({ ...two, outDir: path.join(tmp, "straight") }));
    await trainOn(small, options({ ...two, outDir: path.join(tmp, "run"), resume: true }));
    const weights = (dir: string) =>
      [...readSafetensors(path.join(tmp, dir, "last.safetensors")).tensors.entries()]
        .filter(([k]) => !k.startsWith("__"))
        .map(([k, t]) => [k, Array.from(toFloat32Array(t))] as const);
    assert.deepEqual(weights("run"), weights("straight"));
  });

  test("a Kaggle-format CSV without rhythm features is refused for a rhythm model, before training", () => {
    const bare = path.join(tmp, "bare");
    buildDataset({ mitdbDir, outDir: bare, split: "interpatient", seed: 42 });
    for (const f of ["mitbih_index.csv", "mitbih_train.beats", META_FILE])
      rmSync(path.join(bare, f), { force: true });
    assert.throws(
      () => loadTrainingData(options({ dataDir: bare })),
      /mitbih_train\.csv: no rhythm features beside these beats, and preset compact-rr needs them/,
    );
    const plain = loadTrainingData(
      options({ dataDir: bare, preset: "compact", model: presetConfig("compact") }),
    );
    assert.equal(plain.valSplit, "stratified", "a morphology-only model still trains on it");
  });
});
