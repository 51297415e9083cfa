// A hand-made run directory in the format `ecg train` writes (config.json, metrics.jsonl, test-eval.json,
// misclassified.json), so report tests do not need a trained model.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface FixtureOptions {
  preset?: string;
  epochs?: number;
  /** Validation loss at the last epoch: lets two fixtures have visibly different curves. */
  finalValLoss?: number;
  withTestEval?: boolean;
  withMisclassified?: boolean;
}

/** A synthetic beat: a QRS spike at sample 0 (beats start at their R peak), a T wave, a baseline. */
function syntheticBeat(k: number): number[] {
  return Array.from({ length: 187 }, (_, i) => {
    if (i > 150) return 0;
    const r = Math.exp(-(((i - 2) / 4) ** 2));
    const s = -0.25 * Math.exp(-(((i - 9) / 3) ** 2));
    const t = (0.2 + 0.02 * (k % 5)) * Math.exp(-(((i - 60 - (k % 7) * 3) / 12) ** 2));
    return Math.min(1, Math.max(0, 0.3 + 0.65 * r + s + t));
  });
}

export function makeRunDir(parent: string, name: string, opts: FixtureOptions = {}): string {
  const dir = path.join(parent, name);
  mkdirSync(dir, { recursive: true });
  const epochs = opts.epochs ?? 14;
  const finalVal = opts.finalValLoss ?? 0.02;
  writeFileSync(
    path.join(dir, "config.json"),
    JSON.stringify(
      {
        preset: opts.preset ?? "compact",
        model: { dim: 8, repeat: 1, groups: 8, floors: 1, connection: true, classes: 5 },
        data: {
          dir: "data/kaggle",
          split: "kaggle",
          seed: 7,
          valFraction: 0.2,
          train: 70043,
          val: 17511,
          test: 21892,
          classCounts: {
            train: [57977, 1778, 4630, 513, 5145],
            val: [14494, 445, 1158, 128, 1286],
            test: [18118, 556, 1448, 162, 1608],
          },
        },
        optimizer: {
          name: "adabound",
          lr: 0.001,
          finalLr: 0.1,
          weightDecay: 0,
          schedule: "cosine",
          warmupEpochs: 0,
        },
        loss: { name: "focal", gamma: 2, alpha: [0.15, 0.75, 0.65, 0.75, 0.25], detachModulating: true },
        epochs,
        batch: 128,
        seed: 1,
        device: "cpu",
        threads: 2,
        version: "0.1.0",
        startedAt: "2025-01-02T03:04:05.000Z",
        futureField: { note: "unknown fields are shown, not rejected" },
      },
      null,
      2,
    ),
  );
  const lines = [];
  for (let e = 1; e <= epochs; e++) {
    const decay = Math.exp(-(e - 1) / 3);
    lines.push(
      JSON.stringify({
        epoch: e,
        trainLoss: 0.015 + 0.2 * decay,
        trainAcc: 0.99 - 0.15 * decay,
        valLoss: finalVal + 0.18 * decay + 0.004 * Math.sin(e),
        valAcc: 0.985 - 0.14 * decay,
        valMacroF1: 0.9 - 0.4 * decay,
        lr: 0.001 * (1 + Math.cos((Math.PI * e) / epochs)) * 0.5,
        seconds: 58 + (e % 3),
        samplesPerSec: 1200 + e,
      }),
    );
  }
  writeFileSync(path.join(dir, "metrics.jsonl"), `${lines.join("\n")}\n`);
  writeFileSync(path.join(dir, "best.safetensors"), Buffer.alloc(1024));
  if (opts.withTestEval ?? true) {
    const confusion = [
      [18021, 40, 30, 12, 15],
      [98, 442, 12, 0, 4],
      [40, 6, 1380, 18, 4],
      [30, 0, 16, 116, 0],
      [12, 0, 6, 0, 1590],
    ];
    const classes = ["N", "S", "V", "F", "Q"];
    const total = confusion.flat().reduce((a, b) => a + b, 0);
    const perClass = classes.map((c, i) => {
      const tp = confusion[i]![i]!;
      const support = confusion[i]!.reduce((a, b) => a + b, 0);
      const predicted = confusion.reduce((a, row) => a + row[i]!, 0);
      const sensitivity = tp / support;
      const precision = tp / predicted;
      return {
        class: c,
        support,
        sensitivity,
        specificity: (total - support - predicted + tp) / (total - support),
        precision,
        f1: (2 * precision * sensitivity) / (precision + sensitivity),
      };
    });
    const accuracy = classes.reduce((a, _, i) => a + confusion[i]![i]!, 0) / total;
    const macroF1 = perClass.reduce((a, p) => a + p.f1, 0) / classes.length;
    writeFileSync(
      path.join(dir, "test-eval.json"),
      JSON.stringify({ accuracy, macroF1, classes, perClass, confusion }),
    );
  }
  if (opts.withMisclassified ?? true) {
    const beats = Array.from({ length: 24 }, (_, k) => {
      const t = 1 + (k % 4);
      const pred = k % 3 === 0 ? 0 : (t + 1) % 5;
      const probs = [0.05, 0.05, 0.05, 0.05, 0.05];
      probs[pred] = 0.8;
      return { index: 100 + k * 37, true: t, pred, probs, beat: syntheticBeat(k) };
    });
    writeFileSync(path.join(dir, "misclassified.json"), JSON.stringify(beats));
  }
  return dir;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}
