// Tests that need the libtorch addon pass `{ skip: engineSkip }`: they skip, with a message, when it is not built.
import { existsSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./mitdb.js";

const addon =
  process.env["ECG_TORCH_ADDON"] ?? path.join(repoRoot, "native", "build", "Release", "ecg_torch.node");

export const engineSkip: string | false = existsSync(addon)
  ? false
  : `libtorch addon not built at ${addon} (npm run build:native)`;

/** Largest absolute difference of two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
