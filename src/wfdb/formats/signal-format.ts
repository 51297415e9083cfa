// The shape of one WFDB signal storage format (signal(5): https://physionet.org/physiotools/wag/signal-5.htm).
// A format decodes the interleaved sample stream of one signal file: frame after frame, and in each
// frame the samples of every signal of that file in header order.

/** How the samples of one frame map to the file's signals (needed by the difference format 8). */
export interface FrameLayout {
  /** For each sample slot of a frame, the index (within the file's signals) of its signal. */
  signalOfSlot: Int32Array;
  /** The header's initial value of each of the file's signals. */
  initialValues: number[];
}

export interface SignalFormat {
  readonly format: number;
  /** Bytes holding n samples of the interleaved stream. */
  bytesFor(nSamples: number): number;
  /** Whole samples contained in n bytes. */
  samplesIn(nBytes: number): number;
  /** Decodes out.length samples from bytes (which hold at least bytesFor(out.length)). */
  decode(bytes: Uint8Array, out: Int32Array, layout: FrameLayout): void;
  /** The value the format reserves for "no sample here" (WFDB_INVALID_SAMPLE in this format's range). */
  readonly invalidSample: number;
}
