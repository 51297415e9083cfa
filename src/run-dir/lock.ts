// The lock that makes one process the owner of a run directory while it trains: a file created
// exclusively (O_EXCL), holding the owner's pid, host and start time. A second process is refused; the
// lock of a process that no longer runs (a kill, a crash) is taken over, and the caller is told.
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { z } from "zod";
import { processIsAlive } from "../process-alive.js";
import { RunDirError } from "./errors.js";
import { LOCK_FILE } from "./schema.js";

const LockInfoSchema = z.object({ pid: z.number().int(), host: z.string(), startedAt: z.string() });
type LockInfo = z.infer<typeof LockInfoSchema>;

/** Lock files this process holds (a second lock on the same directory from this process is refused too). */
const held = new Set<string>();

export class RunLock {
  readonly file: string;
  private readonly info: LockInfo;
  private readonly onExit = () => this.release();
  private released = false;

  private constructor(file: string, info: LockInfo) {
    this.file = file;
    this.info = info;
    held.add(file);
    // A process.exit (a second Ctrl-C) still removes the lock.
    process.on("exit", this.onExit);
  }

  /**
   * Takes the lock of `dir` (which must exist). `onNote` hears about a stale lock taken over. A live
   * owner is a RunDirError naming the lock file and its pid.
   */
  static acquire(dir: string, onNote: (note: string) => void = () => {}): RunLock {
    const file = path.join(dir, LOCK_FILE);
    if (held.has(file)) throw new RunDirError(file, "this process is already training into this directory");
    const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 5; attempt++) {
      if (tryCreate(file, info)) return new RunLock(file, info);
      const text = readText(file);
      if (text === undefined) continue; // released meanwhile: try again
      const owner = parseOwner(text);
      if (owner && owner.host !== info.host) {
        throw new RunDirError(
          file,
          `locked by process ${owner.pid} on ${owner.host} (since ${owner.startedAt}); remove the file if that process is gone`,
        );
      }
      if (owner && processIsAlive(owner.pid) && owner.pid !== process.pid) {
        throw new RunDirError(
          file,
          `another training (process ${owner.pid}, since ${owner.startedAt}) is writing this run; wait for it or stop it`,
        );
      }
      if (!owner && Date.now() - mtimeMs(file) < 10_000) {
        // Being written by a process that has just created it: give it a moment.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
        continue;
      }
      if (takeOver(file, text)) {
        onNote(
          owner
            ? `took over the lock of process ${owner.pid} (no longer running; started ${owner.startedAt})`
            : `took over an unreadable lock file ${path.basename(file)}`,
        );
      }
    }
    throw new RunDirError(file, "cannot take the lock (another process keeps taking it)");
  }

  /** Removes the lock file if it is still this process's. */
  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this.file);
    process.off("exit", this.onExit);
    const text = readText(this.file);
    const owner = text === undefined ? undefined : parseOwner(text);
    if (owner && owner.pid === this.info.pid && owner.startedAt === this.info.startedAt) {
      rmSync(this.file, { force: true });
    }
  }
}

function tryCreate(file: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(file, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new RunDirError(file, `cannot create the lock (${(e as NodeJS.ErrnoException).code})`);
  }
  try {
    writeSync(fd, `${JSON.stringify(info)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function parseOwner(text: string): LockInfo | undefined {
  try {
    const r = LockInfoSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

function mtimeMs(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Moves a stale lock aside, if it is still the one read (another process may have replaced it since):
 * the rename is atomic, and a lock that turns out to be a new one is put back with link (which fails
 * rather than overwrite).
 */
function takeOver(file: string, staleText: string): boolean {
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
  } catch {
    return false; // gone already: someone else took it over
  }
  if (readText(aside) === staleText) {
    rmSync(aside, { force: true });
    return true;
  }
  try {
    linkSync(aside, file);
  } catch {
    // a third process created a lock meanwhile; the moved one is lost to its owner, who will notice
  }
  rmSync(aside, { force: true });
  return false;
}
