// Format 16: 16-bit two's complement samples, least significant byte first.
import type { SignalFormat } from "./signal-format.js";

export const format16: SignalFormat = {
  format: 16,
  invalidSample: -32768,
  bytesFor: (n) => n * 2,
  samplesIn: (nBytes) => Math.floor(nBytes / 2),
  decode(bytes, out) {
    for (let i = 0, b = 0; i < out.length; i++, b += 2) {
      out[i] = ((bytes[b]! | (bytes[b + 1]! << 8)) << 16) >> 16;
    }
  },
};
