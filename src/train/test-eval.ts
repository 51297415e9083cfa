// After training: the best checkpoint scored on the dataset's test side, written into the run
// directory as test-eval.json and misclassified.json (what `ecg report` shows).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { loadSplit, splitFile } from "../dataset/beats.js";
import { beatsInput, rhythmInput } from "../dataset/rhythm-input.js";
import type { Device } from "../engine/index.js";
import { evaluateClassifier, misclassifiedBeats } from "../eval/evaluate.js";
import type { ClassificationReport } from "../eval/metrics.js";
import { loadClassifier } from "../models/classifier.js";
import { BEST_CHECKPOINT } from "./trainer.js";

export function evaluateRunOnTest(
  runDir: string,
  dataDir: string,
  opts: { device?: Device; threads?: number } = {},
): ClassificationReport {
  const test = loadSplit(dataDir, "test");
  const modelFile = path.join(runDir, BEST_CHECKPOINT);
  const classifier = loadClassifier(modelFile, opts);
  try {
    const testFile = splitFile(dataDir, "test");
    const rhythm = rhythmInput(test, classifier.rhythmFeatures, modelFile, testFile);
    const beats = beatsInput(test, classifier.relative, modelFile, testFile);
    const ev = evaluateClassifier(classifier, test, rhythm, beats);
    writeFileSync(path.join(runDir, "test-eval.json"), `${JSON.stringify(ev.report, null, 2)}\n`);
    const wrong = misclassifiedBeats(test, ev, classifier.classes.length);
    writeFileSync(path.join(runDir, "misclassified.json"), `${JSON.stringify(wrong)}\n`);
    return ev.report;
  } finally {
    classifier.dispose();
  }
}
