// metrics.jsonl, made durable: each epoch's line is appended and fsynced before the checkpoint that
// describes it is committed, so a kill leaves the log ahead of the last checkpoint by at most one line,
// never behind it. On --resume the log is cut back to the checkpoint's epoch (an atomic rewrite: a kill
// during it leaves the old log), and it must then hold epochs 1..N, each once.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../atomic-file.js";
import { RunDirError } from "./errors.js";
import { parseMetricsText } from "./read.js";
import { type EpochMetrics, EpochMetricsSchema, RUN_FILES } from "./schema.js";
import { checkedJson } from "./write.js";

export class MetricsLog {
  readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, RUN_FILES.metrics);
  }

  /** An empty log, for a run that starts afresh. */
  start(): void {
    writeFileAtomic(this.file, "");
  }

  /**
   * The history of a run resumed with `epoch` complete epochs: lines past it (an epoch a kill stopped
   * before its checkpoint) and a torn last line are dropped from the file; a missing or repeated
   * epoch is an error (those figures cannot be rebuilt).
   */
  resumeAt(epoch: number): { history: EpochMetrics[]; dropped: number } {
    if (!existsSync(this.file)) {
      if (epoch === 0) {
        this.start();
        return { history: [], dropped: 0 };
      }
      throw new RunDirError(this.file, `missing, but the last checkpoint is at epoch ${epoch}`);
    }
    const { lines, texts, torn } = parseMetricsText(
      this.file,
      readFileSync(this.file, "utf8"),
      EpochMetricsSchema,
    );
    const keep = lines.map((m, i) => ({ m, text: texts[i]! })).filter(({ m }) => m.epoch <= epoch);
    keep.forEach(({ m }, i) => {
      if (m.epoch !== i + 1) {
        const seen = keep.map((k) => k.m.epoch).join(", ");
        throw new RunDirError(
          this.file,
          `holds epochs [${seen}] but the last checkpoint is at epoch ${epoch}: the log is damaged (start afresh with --overwrite)`,
        );
      }
    });
    if (keep.length !== epoch) {
      throw new RunDirError(
        this.file,
        `holds ${keep.length} epoch(s) but the last checkpoint is at epoch ${epoch}: the log is damaged (start afresh with --overwrite)`,
      );
    }
    const dropped = lines.length - keep.length + (torn ? 1 : 0);
    if (dropped > 0) writeFileAtomic(this.file, keep.map(({ text }) => `${text}\n`).join(""));
    return { history: keep.map(({ m }) => m), dropped };
  }

  /** Appends one epoch's line and flushes it to the disk. */
  append(m: EpochMetrics): void {
    const line = `${checkedJson(this.file, EpochMetricsSchema, m)}\n`;
    const fd = openSync(this.file, "a");
    try {
      writeSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
