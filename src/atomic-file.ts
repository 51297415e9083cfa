// Files written under a temporary name and renamed into place only when complete, so that an error or
// an interruption never leaves a half-written file under its final name. The data is fsynced before the
// rename and the directory after it, so a committed file survives a crash of the machine too. The one
// writer of the project: every module that writes a file whole goes through it.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { UserError } from "./errors.js";
import { processIsAlive } from "./process-alive.js";

/** The temporary name a process writes `file` under: `.NAME.tmp-PID`, beside it. */
export function temporaryPath(file: string, pid: number = process.pid): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${pid}`);
}

export class AtomicFile {
  readonly file: string;
  readonly tmp: string;
  private fd: number | undefined;

  constructor(file: string) {
    this.file = file;
    this.tmp = temporaryPath(file);
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

  /** Flushes the data to the disk and closes the temporary file; `commit` then renames it into place. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  commit(): void {
    this.close();
    renameSync(this.tmp, this.file);
    syncDirectory(path.dirname(this.file));
  }

  abort(): void {
    try {
      if (this.fd !== undefined) closeSync(this.fd);
    } finally {
      this.fd = undefined;
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

/** Makes a rename durable; best effort (not every platform lets a directory be fsynced). */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // e.g. Windows: directories cannot be opened for fsync; the rename is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Removes the temporary files that processes no longer running left in `dir` for the given file names
 * (a kill between the write and the rename). Returns the names removed.
 */
export function removeStaleTemporaries(dir: string, names: readonly string[]): string[] {
  const wanted = new Set(names);
  const removed: string[] = [];
  for (const entry of readdirSync(dir)) {
    const m = /^\.(.+)\.tmp-(\d+)$/.exec(entry);
    if (!m || !wanted.has(m[1]!)) continue;
    const pid = Number(m[2]);
    if (pid !== process.pid && processIsAlive(pid)) continue;
    rmSync(path.join(dir, entry), { force: true });
    removed.push(entry);
  }
  return removed;
}
