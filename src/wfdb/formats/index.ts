// The signal formats this reader supports, by WFDB format number.
import { format8 } from "./format8.js";
import { format16 } from "./format16.js";
import { format24 } from "./format24.js";
import { format32 } from "./format32.js";
import { format61 } from "./format61.js";
import { format80 } from "./format80.js";
import { format212 } from "./format212.js";
import type { SignalFormat } from "./signal-format.js";

const FORMATS: ReadonlyMap<number, SignalFormat> = new Map(
  [format8, format16, format24, format32, format61, format80, format212].map((f) => [f.format, f]),
);

export const SUPPORTED_FORMATS: readonly number[] = [...FORMATS.keys()].sort((a, b) => a - b);

export function signalFormat(format: number): SignalFormat | undefined {
  return FORMATS.get(format);
}
