// Format 32: 32-bit two's complement samples, least significant byte first.
import type { SignalFormat } from "./signal-format.js";

export const format32: SignalFormat = {
  format: 32,
  invalidSample: -2147483648,
  bytesFor: (n) => n * 4,
  samplesIn: (nBytes) => Math.floor(nBytes / 4),
  decode(bytes, out) {
    for (let i = 0, b = 0; i < out.length; i++, b += 4) {
      out[i] = bytes[b]! | (bytes[b + 1]! << 8) | (bytes[b + 2]! << 16) | (bytes[b + 3]! << 24);
    }
  },
};
