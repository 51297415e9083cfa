// Format 80: 8-bit offset binary samples (the byte minus 128).
import type { SignalFormat } from "./signal-format.js";

export const format80: SignalFormat = {
  format: 80,
  invalidSample: -128,
  bytesFor: (n) => n,
  samplesIn: (nBytes) => nBytes,
  decode(bytes, out) {
    for (let i = 0; i < out.length; i++) out[i] = bytes[i]! - 128;
  },
};
