// Files written under a temporary name and renamed into place only when complete, so that an error or
// an interruption never leaves a half-written file under its final name.
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { UserError } from "./errors.js";

export class AtomicFile {
  readonly file: string;
  readonly tmp: string;
  private fd: number | undefined;

  constructor(file: string) {
    this.file = file;
    this.tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
    this.fd = openSync(this.tmp, "w");
  }

  write(data: Uint8Array | string): void {
    if (this.fd === undefined) throw new Error(`${this.file}: write after close`);
    if (typeof data === "string") writeSync(this.fd, data);
    else {
      let off = 0;
      while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
    }
  }

  /** Closes the temporary file; `commit` then renames it into place. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  commit(): void {
    this.close();
    renameSync(this.tmp, this.file);
  }

  abort(): void {
    try {
      this.close();
    } finally {
      rmSync(this.tmp, { force: true });
    }
  }
}

/** Writes a whole file atomically. */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const f = new AtomicFile(file);
  try {
    f.write(data);
    f.commit();
  } catch (e) {
    f.abort();
    throw e;
  }
}

/**
 * writeFileAtomic for files the user named: a failure is a one-line UserError naming the file
 * ("out/100.atr: cannot write annotations (ENOENT)").
 */
export function writeFileOrFail(
  file: string,
  data: Uint8Array | string,
  what: string,
  shown: string = file,
): void {
  try {
    writeFileAtomic(file, data);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${shown}: cannot write ${what} (${code ?? (e as Error).message})`, file);
  }
}
