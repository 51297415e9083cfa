// One signal of a WFDB record whose signal file is still being written (a recorder appending format
// 212 or 16 frames beside a header it wrote first): the samples are read as the file grows, in
// physical units. The record ends when the header's sample count is reached (when it gives one), when
// the file has not grown for `idleSeconds`, or when `abort` fires. Formats whose samples depend on
// earlier ones (8), several samples per frame, and skew are refused: a live recorder writes plain frames.
// A signal file that is truncated, replaced (another file renamed onto its name), deleted, or
// rewritten under the bytes already read stops the reading with one line naming it: the samples that
// would follow are not this recording's.
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { UserError } from "../errors.js";
import { signalFormat } from "./formats/index.js";
import type { RecordHeader } from "./header.js";
import { digitalToPhysical } from "./record.js";

/** The signal formats a growing record may be written in. */
export const FOLLOW_FORMATS: readonly number[] = [212, 16];

export interface FollowOptions {
  /** Seconds without growth that end the record (default 10). */
  idleSeconds?: number;
  /** How often the file is looked at (default 200 ms). */
  pollMs?: number;
  /** Ends the record early (Ctrl-C). */
  abort?: AbortSignal;
}

/** Checks that signal `signalIndex` of the header can be followed; its file's frame layout. */
function frameLayout(header: RecordHeader, signalIndex: number): { slot: number; frameSize: number } {
  const spec = header.signals[signalIndex]!;
  const shown = path.basename(header.file);
  const group = header.signals.filter((s) => s.fileName === spec.fileName);
  for (const s of group) {
    if (!FOLLOW_FORMATS.includes(s.format))
      throw new UserError(
        `${shown}: line ${s.line}: format ${s.format}; a growing record is read in format ${FOLLOW_FORMATS.join(" or ")}`,
        header.file,
      );
    if (s.format !== spec.format)
      throw new UserError(`${shown}: line ${s.line}: signals in ${spec.fileName} mix formats`, header.file);
    if (s.samplesPerFrame !== 1 || s.skew !== 0)
      throw new UserError(
        `${shown}: line ${s.line}: several samples per frame or skew; a growing record is read with neither`,
        header.file,
      );
  }
  return { slot: group.indexOf(spec), frameSize: group.length };
}

/** The bytes before the read position compared at each look, to see a file rewritten under us. */
const TAIL_BYTES = 4096;

/**
 * Refuses (UserError naming the file) a followed file whose name no longer leads to the file open as
 * `fd`, that is shorter than what was read, or whose last `tail.length` bytes read have changed.
 */
function checkStillGrowing(fd: number, file: string, shown: string, position: number, tail: Buffer): void {
  let named: ReturnType<typeof statSync>;
  try {
    named = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `${shown}: ${code === "ENOENT" ? "deleted" : `no longer readable (${code})`} while it was followed, after ${position} bytes; stopped`,
      file,
    );
  }
  const open = fstatSync(fd);
  if (named.dev !== open.dev || named.ino !== open.ino)
    throw new UserError(
      `${shown}: replaced by another file while it was followed, after ${position} bytes; stopped`,
      file,
    );
  const truncated = (size: number): never => {
    throw new UserError(
      `${shown}: truncated to ${size} bytes while it was followed, after ${position} bytes; stopped`,
      file,
    );
  };
  if (open.size < position) truncated(open.size);
  if (tail.length === 0) return;
  const now = Buffer.alloc(tail.length);
  const got = readSync(fd, now, 0, now.length, position - tail.length);
  // Short: truncated since the size was looked at.
  if (got !== tail.length) truncated(fstatSync(fd).size);
  if (!now.equals(tail))
    throw new UserError(
      `${shown}: rewritten while it was followed (its bytes before ${position} changed); stopped`,
      file,
    );
}

/** Chunks of signal `signalIndex` (physical units) as its file grows. */
export async function* followSignal(
  recordPath: string,
  header: RecordHeader,
  signalIndex: number,
  opts: FollowOptions = {},
): AsyncGenerator<Float32Array, void, undefined> {
  const { slot, frameSize } = frameLayout(header, signalIndex);
  const spec = header.signals[signalIndex]!;
  const fmt = signalFormat(spec.format)!;
  const file = path.join(path.dirname(recordPath), spec.fileName);
  const idleMs = (opts.idleSeconds ?? 10) * 1000;
  const pollMs = opts.pollMs ?? 200;
  // Whole blocks only: format 212 packs two samples in three bytes, so an odd frame needs a pair.
  const blockFrames = fmt.format === 212 && frameSize % 2 === 1 ? 2 : 1;
  const blockBytes = fmt.bytesFor(blockFrames * frameSize);
  const maxBlocks = Math.max(1, Math.floor((1 << 20) / blockBytes));
  const layout = { signalOfSlot: new Int32Array(frameSize).map((_, i) => i), initialValues: [] };
  let lastGrowth = Date.now();
  while (!existsSync(file)) {
    if (opts.abort?.aborted) return;
    if (Date.now() - lastGrowth > idleMs)
      throw new UserError(`${spec.fileName}: cannot read signal file (no such file)`, file);
    await sleep(pollMs);
  }
  const fd = openSync(file, "r");
  try {
    let position = spec.byteOffset;
    let frames = 0;
    let tail = Buffer.alloc(0);
    const total = header.nSamples > 0 ? header.nSamples : Number.POSITIVE_INFINITY;
    while (frames < total && !opts.abort?.aborted) {
      checkStillGrowing(fd, file, spec.fileName, position, tail);
      const blocks = Math.min(maxBlocks, Math.floor((fstatSync(fd).size - position) / blockBytes));
      if (blocks <= 0) {
        if (Date.now() - lastGrowth > idleMs) return;
        await sleep(pollMs);
        continue;
      }
      lastGrowth = Date.now();
      const bytes = Buffer.alloc(blocks * blockBytes);
      const got = readSync(fd, bytes, 0, bytes.length, position);
      if (got < bytes.length) continue; // read again once the writer's bytes are all there
      position += got;
      tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)));
      const digital = new Int32Array(blocks * blockFrames * frameSize);
      fmt.decode(bytes, digital, layout);
      const n = Math.min(blocks * blockFrames, total - frames);
      const lead = new Int32Array(n);
      for (let f = 0; f < n; f++) lead[f] = digital[f * frameSize + slot]!;
      frames += n;
      yield digitalToPhysical(spec, lead);
    }
  } finally {
    closeSync(fd);
  }
}
