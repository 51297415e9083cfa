// Classified beats as a WFDB annotation file: one beat annotation per beat, its code the AAMI
// class's WFDB beat code (N normal, S supraventricular premature, V ventricular premature,
// F fusion, Q unclassifiable), so any WFDB tool (rdann, bxb, wave) reads it and the project's
// annotation reader maps each back to the same class.

import { CLASS_NAMES } from "../vocabulary.js";
import type { Annotation } from "../wfdb/annotation.js";
import { codeOfSymbol } from "../wfdb/annotation-codes.js";

export function beatAnnotations(sample: ArrayLike<number>, label: ArrayLike<number>): Annotation[] {
  const out: Annotation[] = [];
  for (let i = 0; i < sample.length; i++) {
    const symbol = CLASS_NAMES[label[i]!]!;
    out.push({
      sample: sample[i]!,
      symbol,
      code: codeOfSymbol(symbol),
      subtype: 0,
      chan: 0,
      num: 0,
      aux: "",
    });
  }
  return out;
}
