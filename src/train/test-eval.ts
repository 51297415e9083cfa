// After training: the best checkpoint scored on the dataset's test side, written into the run
// directory as test-eval.json and misclassified.json (what `ecg report` shows).
import path from "node:path";
import { loadSplit, splitFile } from "../dataset/beats.js";
import { modelInput } from "../dataset/rhythm-input.js";
import type { Device } from "../engine/index.js";
import { evaluateClassifier, misclassifiedBeats } from "../eval/evaluate.js";
import type { ClassificationReport } from "../eval/metrics.js";
import { loadClassifier } from "../models/classifier.js";
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
    writeMisclassified(runDir, misclassifiedBeats(test, ev, classifier.classes.length));
    writeTestEval(runDir, ev.report);
    return ev.report;
  } finally {
    classifier.dispose();
  }
}
