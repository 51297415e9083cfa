// Small training datasets cut from real MIT-BIH records, in the Kaggle CSV layout `ecg train` reads:
// the training side from records 208 and 232 (every 4th beat, plus every S and F beat: all of N, S, V,
// F), the test side (when asked for) from record 209 (every 6th beat).
import { mkdirSync } from "node:fs";
import { type BeatSet, selectBeats, splitFile, writeBeatsCsv } from "../../src/dataset/beats.js";
import { recordBeats } from "../../src/dataset/record-beats.js";
import { presetConfig } from "../../src/models/config.js";
import { NO_AUGMENT } from "../../src/train/augment.js";
import type { TrainOptions } from "../../src/train/options.js";
import { BEAT_LENGTH } from "../../src/vocabulary.js";
import { recordPath } from "./mitdb.js";

function concat(sets: BeatSet[]): BeatSet {
  const count = sets.reduce((n, s) => n + s.count, 0);
  const x = new Float32Array(count * BEAT_LENGTH);
  const y = new Uint8Array(count);
  let at = 0;
  for (const s of sets) {
    x.set(s.x.subarray(0, s.count * BEAT_LENGTH), at * BEAT_LENGTH);
    y.set(s.y.subarray(0, s.count), at);
    at += s.count;
  }
  return { x, y, count };
}

function beatsOf(record: string, keep: (i: number, label: number) => boolean): BeatSet {
  const b = recordBeats(recordPath(record));
  const rows: number[] = [];
  for (let i = 0; i < b.count; i++) if (keep(i, b.y[i]!)) rows.push(i);
  return selectBeats(b, rows);
}

/** Writes mitbih_train.csv (and mitbih_test.csv when `test`) into `dir`. */
export function makeTrainData(dir: string, opts: { test?: boolean } = {}): void {
  mkdirSync(dir, { recursive: true });
  const train = concat(["208", "232"].map((r) => beatsOf(r, (i, y) => i % 4 === 0 || y === 1 || y === 3)));
  writeBeatsCsv(splitFile(dir, "train"), train);
  if (opts.test)
    writeBeatsCsv(
      splitFile(dir, "test"),
      beatsOf("209", (i) => i % 6 === 0),
    );
}

/** Options of a tiny compact run on one thread (seed 5, 2 epochs, a 20 % validation split). */
export function tinyRunOptions(
  dataDir: string,
  outDir: string,
  extra: Partial<TrainOptions> = {},
): TrainOptions {
  return {
    dataDir,
    outDir,
    preset: "compact",
    model: presetConfig("compact"),
    epochs: 2,
    batch: 32,
    lr: 1e-3,
    finalLr: 0.1,
    weightDecay: 0,
    optimizer: "adabound",
    loss: "focal",
    gamma: 2,
    alpha: [0.15, 0.75, 0.65, 0.75, 0.25],
    fullFocal: false,
    schedule: "cosine",
    warmupEpochs: 0,
    valFraction: 0.2,
    valSplit: "auto",
    valRecords: undefined,
    balance: undefined,
    augment: NO_AUGMENT,
    adversary: 0,
    select: "macro-f1",
    seed: 5,
    device: "cpu",
    threads: 1,
    maxMinutes: 0,
    resume: false,
    ...extra,
  };
}
