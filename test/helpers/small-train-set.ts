// A small training set from real MIT-BIH beats for training tests: records 208 and 232 (all of
// N, S, V, F), every 4th beat plus every S and F beat (about 2,500 beats).
import { mkdirSync } from "node:fs";
import path from "node:path";
import { writeBeatsCsv } from "../../src/dataset/beats.js";
import { recordBeats } from "../../src/dataset/record-beats.js";
import { recordPath } from "./mitdb.js";

/** Writes dir/mitbih_train.csv. */
export function writeSmallTrainSet(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const rows: { x: Float32Array; y: number }[] = [];
  for (const r of ["208", "232"]) {
    const b = recordBeats(recordPath(r));
    for (let i = 0; i < b.count; i++) {
      if (i % 4 === 0 || b.y[i] === 1 || b.y[i] === 3)
        rows.push({ x: b.x.subarray(i * 187, (i + 1) * 187), y: b.y[i]! });
    }
  }
  const x = new Float32Array(rows.length * 187);
  const y = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    x.set(r.x, i * 187);
    y[i] = r.y;
  });
  writeBeatsCsv(path.join(dir, "mitbih_train.csv"), { x, y, count: rows.length });
}
