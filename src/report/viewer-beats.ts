// Reference and predicted beats of one record merged into the viewer's list: a classifier that finds its
// own R peaks puts them a few samples off the reference, so beats are paired as bxb pairs them (150 ms).
import { compareBeats } from "../eval/bxb.js";
import type { ViewerBeat } from "./viewer.js";

export interface ReferenceBeat {
  sample: number;
  /** MIT-BIH symbol (N, L, V, …). */
  symbol: string;
}

export interface PredictedBeat {
  sample: number;
  /** AAMI class letter. */
  label: string;
  probs?: number[];
}

export function mergeBeats(
  reference: ReferenceBeat[],
  predicted: PredictedBeat[] | undefined,
  fs: number,
): ViewerBeat[] {
  const ref = [...reference].sort((a, b) => a.sample - b.sample);
  if (!predicted) return ref.map((r) => ({ sample: r.sample, reference: r.symbol }));
  const pred = [...predicted].sort((a, b) => a.sample - b.sample);
  const { pairs } = compareBeats(
    { samples: ref.map((r) => r.sample) },
    { samples: pred.map((p) => p.sample) },
    // Every beat is paired: the viewer shows the whole record, learning period included.
    { fs, start: 0 },
  );
  const refUsed = new Uint8Array(ref.length);
  const predUsed = new Uint8Array(pred.length);
  const out: ViewerBeat[] = [];
  for (const [i, j] of pairs) {
    refUsed[i] = 1;
    predUsed[j] = 1;
    const p = pred[j]!;
    out.push({
      sample: ref[i]!.sample,
      reference: ref[i]!.symbol,
      predicted: p.label,
      ...(p.probs && { probs: p.probs }),
    });
  }
  ref.forEach((r, i) => {
    if (!refUsed[i]) out.push({ sample: r.sample, reference: r.symbol });
  });
  pred.forEach((p, j) => {
    if (!predUsed[j]) out.push({ sample: p.sample, predicted: p.label, ...(p.probs && { probs: p.probs }) });
  });
  return out.sort((a, b) => a.sample - b.sample);
}
