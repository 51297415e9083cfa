// Ctrl-C, as every command takes it. The first one asks the work to stop: `signal` aborts, and the
// work ends at its next safe point (after the current batch, with the beats so far, with the server
// closed) and says what it kept, exiting 130 (an InterruptedError). A second one quits at once, exit
// 130. A command with no safe point (a download waiting on the network) quits at the first
// (quitInterrupted). A worker of a data-parallel job hears its launcher's Ctrl-C as lines on its
// standard input instead (src/train/launch.ts, STOP_LINE): a signal would land on any of its threads,
// libtorch's and Gloo's included.
import { writeErrorLine } from "./errors.js";

export interface Interrupt {
  /** Aborted at the first Ctrl-C (or stop line). */
  readonly signal: AbortSignal;
  /** Whether a stop was asked for. */
  readonly requested: boolean;
  /** Stops listening: Ctrl-C does what it does by default again. */
  close(): void;
}

export interface InterruptOptions {
  /** Said (or done) at the first Ctrl-C. */
  onFirst?(): void;
  /** Also take each line of this stream as a Ctrl-C (a launched worker's stdin); closed by close(). */
  lines?: NodeJS.ReadableStream & { destroy(): void };
}

/** Ends the process now with the one line and exit 130. */
export function quitInterrupted(message: string): never {
  process.stderr.write("\n");
  writeErrorLine(message, 130);
  process.exit(130);
}

/** Listens for Ctrl-C until close(). */
export function listenForInterrupt(opts: InterruptOptions = {}): Interrupt {
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) quitInterrupted("interrupted again: quit at once");
    controller.abort();
    opts.onFirst?.();
  };
  const onLines = (chunk: Buffer | string) => {
    for (const c of Buffer.from(chunk)) if (c === 0x0a) onInterrupt();
  };
  process.on("SIGINT", onInterrupt);
  opts.lines?.on("data", onLines);
  return {
    signal: controller.signal,
    get requested() {
      return controller.signal.aborted;
    },
    close() {
      process.off("SIGINT", onInterrupt);
      if (opts.lines) {
        opts.lines.off("data", onLines);
        opts.lines.destroy();
      }
    },
  };
}
