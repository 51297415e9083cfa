// The reference side of a beat-by-beat comparison, taken from a WFDB annotation file: the beat
// annotations with their AAMI classes, and the ventricular flutter/fibrillation episodes.
import { aamiClass } from "../vocabulary.js";
import { type Annotation, isBeatSymbol } from "../wfdb/annotation.js";
import type { BeatSeries, Interval } from "./bxb.js";

/**
 * AAMI class of a beat symbol: the project's map (data.md) for the MIT-BIH labels, and bxb's
 * mapping for the WFDB beat codes it leaves out (B → N, n → S, r → V, ? → Q).
 */
export function beatClass(symbol: string): number {
  const c = aamiClass(symbol);
  if (c !== undefined) return c;
  switch (symbol) {
    case "B":
      return 0;
    case "n":
      return 1;
    case "r":
      return 2;
    default:
      return 4;
  }
}

export interface ReferenceBeats extends BeatSeries {
  samples: Int32Array;
  classes: Int8Array;
  symbols: string[];
  /** Ventricular flutter/fibrillation episodes, '[' to ']' (to the end of the record when unclosed). */
  vf: Interval[];
}

/**
 * Beats (annotations with a beat code) and VF episodes of an annotation list. Non-beat
 * annotations (rhythm '+', noise '~', artefact '|', comments '"', non-conducted P 'x', flutter
 * waves '!', ...) are not beats and are left out, as bxb does.
 */
export function referenceBeats(annotations: readonly Annotation[]): ReferenceBeats {
  const samples: number[] = [];
  const classes: number[] = [];
  const symbols: string[] = [];
  const vf: Interval[] = [];
  let vfOn = -1;
  for (const a of annotations) {
    if (a.symbol === "[") {
      if (vfOn < 0) vfOn = a.sample;
    } else if (a.symbol === "]") {
      if (vfOn >= 0) vf.push({ from: vfOn, to: a.sample });
      vfOn = -1;
    } else if (isBeatSymbol(a.symbol) && vfOn < 0) {
      // bxb reads and ignores every annotation inside a VF episode, beats included.
      samples.push(a.sample);
      classes.push(beatClass(a.symbol));
      symbols.push(a.symbol);
    }
  }
  if (vfOn >= 0) vf.push({ from: vfOn, to: Number.MAX_SAFE_INTEGER });
  return { samples: Int32Array.from(samples), classes: Int8Array.from(classes), symbols, vf };
}
