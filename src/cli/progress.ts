// A progress bar on stderr, drawn only when stderr is a TTY (never pollutes logs or --json output).
import { terminalSafe } from "./output.js";

export interface ProgressOptions {
  /** Label shown before the bar. */
  label: string;
  /** Total units of work (beats, bytes, batches). */
  total: number;
  /** Unit name for the rate, e.g. "beats", "B", "samples". */
  unit?: string;
  /** Force drawing even when stderr is not a TTY (tests). */
  stream?: NodeJS.WriteStream;
}

export class ProgressBar {
  private readonly label: string;
  private readonly total: number;
  private readonly unit: string;
  private readonly stream: NodeJS.WriteStream;
  private readonly enabled: boolean;
  private readonly start = performance.now();
  private lastDraw = 0;
  private done = 0;
  private extra = "";

  constructor(opts: ProgressOptions) {
    this.label = opts.label;
    this.total = Math.max(0, opts.total);
    this.unit = opts.unit ?? "";
    this.stream = opts.stream ?? process.stderr;
    this.enabled = this.stream.isTTY === true;
  }

  /** Advance by n units; `extra` is a short status string (loss, accuracy…) shown after the bar. */
  tick(n = 1, extra?: string): void {
    this.done += n;
    if (extra !== undefined) this.extra = extra;
    this.maybeDraw();
  }

  /** Set the absolute position. */
  update(done: number, extra?: string): void {
    this.done = done;
    if (extra !== undefined) this.extra = extra;
    this.maybeDraw();
  }

  /** Units per second since the bar started. */
  rate(): number {
    const s = (performance.now() - this.start) / 1000;
    return s > 0 ? this.done / s : 0;
  }

  finish(extra?: string): void {
    if (extra !== undefined) this.extra = extra;
    if (!this.enabled) return;
    this.draw();
    this.stream.write("\n");
  }

  private maybeDraw(): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && this.done < this.total) return;
    this.lastDraw = now;
    this.draw();
  }

  private draw(): void {
    const cols = Math.max(40, this.stream.columns ?? 100);
    const frac = this.total > 0 ? Math.min(1, this.done / this.total) : 0;
    const rate = this.rate();
    const eta = rate > 0 && this.total > this.done ? (this.total - this.done) / rate : 0;
    const stats = `${(frac * 100).toFixed(0).padStart(3)}% ${formatCount(this.done)}/${formatCount(this.total)} ${formatCount(rate)} ${this.unit}/s ETA ${formatDuration(eta)}${this.extra ? ` ${this.extra}` : ""}`;
    const width = Math.max(10, Math.min(40, cols - this.label.length - stats.length - 6));
    const filled = Math.round(frac * width);
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    const line = `${this.label} ${bar} ${stats}`.slice(0, cols - 1);
    // Its own carriage return and erase, around a line whose label and status may come from files.
    this.stream.write(`\r${terminalSafe(line)}\x1b[K`);
  }
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}:${String(sec).padStart(2, "0")}`;
}
