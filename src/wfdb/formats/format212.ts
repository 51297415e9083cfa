// Format 212: pairs of 12-bit two's complement samples packed into 3 bytes.
// Byte 0 holds the low 8 bits of the first sample, the low nibble of byte 1 its high 4 bits;
// the high nibble of byte 1 holds the high 4 bits of the second sample, byte 2 its low 8 bits.
import type { SignalFormat } from "./signal-format.js";

export const format212: SignalFormat = {
  format: 212,
  invalidSample: -2048,
  bytesFor: (n) => Math.ceil((n * 3) / 2),
  samplesIn: (nBytes) => Math.floor((nBytes * 2) / 3),
  decode(bytes, out) {
    const n = out.length;
    let b = 0;
    let i = 0;
    for (; i + 1 < n; i += 2, b += 3) {
      const mid = bytes[b + 1]!;
      const s0 = bytes[b]! | ((mid & 0x0f) << 8);
      const s1 = bytes[b + 2]! | ((mid & 0xf0) << 4);
      // Sign-extend 12 bits.
      out[i] = (s0 << 20) >> 20;
      out[i + 1] = (s1 << 20) >> 20;
    }
    if (i < n) out[i] = ((bytes[b]! | ((bytes[b + 1]! & 0x0f) << 8)) << 20) >> 20;
  },
};
