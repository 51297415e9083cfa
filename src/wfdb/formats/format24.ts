// Format 24: 24-bit two's complement samples, least significant byte first.
import type { SignalFormat } from "./signal-format.js";

export const format24: SignalFormat = {
  format: 24,
  invalidSample: -8388608,
  bytesFor: (n) => n * 3,
  samplesIn: (nBytes) => Math.floor(nBytes / 3),
  decode(bytes, out) {
    for (let i = 0, b = 0; i < out.length; i++, b += 3) {
      out[i] = ((bytes[b]! | (bytes[b + 1]! << 8) | (bytes[b + 2]! << 16)) << 8) >> 8;
    }
  },
};
