// After training: the best checkpoint scored on the dataset's test side, written into the run
// directory as test-eval.json and misclassified.json (what `ecg report` shows).
import { existsSync } from "node:fs";
import path from "node:path";
import { readBeatIndex } from "../dataset/beat-index.js";
import { loadSplit, splitFile } from "../dataset/beats.js";
import { META_FILE } from "../dataset/dataset-dir.js";
import { modelInput } from "../dataset/rhythm-input.js";
import type { Device } from "../engine/index.js";
import { type BeatOrigin, evaluateClassifier, misclassifiedBeats } from "../eval/evaluate.js";
import type { ClassificationReport } from "../eval/metrics.js";
import { loadClassifier } from "../models/classifier.js";
import { readJsonFile } from "../run-dir/read.js";
import { RUN_FILES } from "../run-dir/schema.js";
import { writeMisclassified, writeTestEval } from "../run-dir/write.js";

export function evaluateRunOnTest(
  runDir: string,
  dataDir: string,
  opts: { device?: Device; threads?: number } = {},
): ClassificationReport {
  const test = loadSplit(dataDir, "test");
  const modelFile = path.join(runDir, RUN_FILES.best);
  const classifier = loadClassifier(modelFile, opts);
  try {
    const ev = evaluateClassifier(
      classifier,
      test,
      modelInput(test, classifier, modelFile, splitFile(dataDir, "test")),
    );
    writeMisclassified(
      runDir,
      misclassifiedBeats(test, ev, classifier.classes.length, 48, testOrigins(dataDir)),
    );
    writeTestEval(runDir, ev.report);
    return ev.report;
  } finally {
    classifier.dispose();
  }
}

/**
 * Where each test row came from, from the dataset's index, with the time of its R peak where the
 * dataset's mitbih_dataset.json gives the record's rate (older builds do not); undefined without an index.
 */
function testOrigins(dataDir: string): BeatOrigin | undefined {
  const index = readBeatIndex(dataDir, "test");
  if (index === undefined) return undefined;
  const rates = new Map<string, number>();
  const metaFile = path.join(dataDir, META_FILE);
  const meta = existsSync(metaFile) ? readJsonFile(metaFile) : undefined;
  const records =
    typeof meta === "object" && meta !== null ? (meta as { records?: unknown }).records : undefined;
  if (Array.isArray(records)) {
    for (const r of records as { record?: unknown; fs?: unknown }[]) {
      if (typeof r.record === "string" && typeof r.fs === "number" && r.fs > 0) rates.set(r.record, r.fs);
    }
  }
  return (row) => {
    const record = index.records[row];
    if (record === undefined) return undefined;
    const sample = index.sample[row]!;
    const fs = rates.get(record);
    return { record, sample, ...(fs !== undefined ? { seconds: sample / fs } : {}) };
  };
}
