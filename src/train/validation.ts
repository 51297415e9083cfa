// The validation pass of one epoch: the model in eval mode over the validation rows, the mean loss,
// accuracy, macro-F1, the S and V figures, and the score that selects the best epoch.
import { noGrad, type Tensor, tidy } from "../engine/index.js";
import { classificationReport, confusionMatrix } from "../eval/metrics.js";
import type { SeedNet } from "../models/seed-net.js";
import type { SePpv } from "../run-dir/schema.js";
import { CLASS_NAMES } from "../vocabulary.js";
import type { DeviceSet } from "./device-set.js";
import type { SelectName } from "./options.js";

export interface Validation {
  loss: number;
  acc: number;
  macroF1: number;
  /** What selects the best epoch (the run's `select`). */
  score: number;
  s: SePpv;
  v: SePpv;
}

/** Validation pass: mean loss, accuracy, macro-F1, the S and V figures, the selection score. */
export function validate(
  model: SeedNet,
  set: DeviceSet,
  loss: (l: Tensor, y: Tensor) => Tensor,
  classes: number,
  select: SelectName,
): Validation {
  model.eval();
  const predicted = new Uint8Array(set.count);
  let lossSum = 0;
  noGrad(() => {
    for (let start = 0; start < set.count; start += 1024) {
      const n = Math.min(1024, set.count - start);
      tidy(() => {
        const logits = model.forward(set.x.narrow(0, start, n), set.r?.narrow(0, start, n));
        lossSum += loss(logits, set.y.narrow(0, start, n)).item() * n;
        const p = logits.argmax(1).toNumbers();
        for (let i = 0; i < n; i++) predicted[start + i] = p[i]!;
      });
    }
  });
  model.train();
  const report = classificationReport(
    confusionMatrix(set.labels, predicted, classes),
    CLASS_NAMES.slice(0, classes),
  );
  const of = (name: string) => {
    const m = report.perClass.find((c) => c.class === name);
    return { se: m?.sensitivity ?? 0, ppv: m?.precision ?? 0, f1: m?.f1 ?? 0 };
  };
  const s = of("S");
  const v = of("V");
  return {
    loss: lossSum / Math.max(1, set.count),
    acc: report.accuracy,
    macroF1: report.macroF1,
    score: select === "sv-f1" ? (s.f1 + v.f1) / 2 : report.macroF1,
    s: { se: s.se, ppv: s.ppv },
    v: { se: v.se, ppv: v.ppv },
  };
}
