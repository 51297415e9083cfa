// Format 61: 16-bit two's complement samples, most significant byte first.
import type { SignalFormat } from "./signal-format.js";

export const format61: SignalFormat = {
  format: 61,
  invalidSample: -32768,
  bytesFor: (n) => n * 2,
  samplesIn: (nBytes) => Math.floor(nBytes / 2),
  decode(bytes, out) {
    for (let i = 0, b = 0; i < out.length; i++, b += 2) {
      out[i] = (((bytes[b]! << 8) | bytes[b + 1]!) << 16) >> 16;
    }
  },
};
