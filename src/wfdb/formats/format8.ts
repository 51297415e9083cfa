// Format 8: 8-bit first differences; each signal starts from its header's initial value.
import type { SignalFormat } from "./signal-format.js";

export const format8: SignalFormat = {
  format: 8,
  invalidSample: -128,
  bytesFor: (n) => n,
  samplesIn: (nBytes) => nBytes,
  decode(bytes, out, layout) {
    const value = layout.initialValues.slice();
    const slots = layout.signalOfSlot;
    for (let i = 0, slot = 0; i < out.length; i++) {
      const s = slots[slot]!;
      value[s]! += (bytes[i]! << 24) >> 24;
      out[i] = value[s]!;
      slot = slot + 1 === slots.length ? 0 : slot + 1;
    }
  },
};
