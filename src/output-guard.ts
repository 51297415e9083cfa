// The one check every command that writes makes before it starts: a user's files are read-only to
// us. An output that is one of the command's inputs (the same real path, symbolic links resolved, or
// the same device and inode: a hard link), two outputs that are one file, an output that is a
// directory or anything else but a regular file (a FIFO, a device such as /dev/stdout, a socket: the
// file renamed into place would replace it), or an output folder that cannot be made is refused here,
// before any work, in one line naming the file. The outputs' folders are made here too, so that a
// command never fails after its work for want of one. (Writing itself goes through atomic-file.ts: a
// new file renamed into place.)
import { accessSync, constants, mkdirSync, realpathSync, type Stats, statSync } from "node:fs";
import path from "node:path";
import { displayPath } from "./display-path.js";
import { UserError } from "./errors.js";

/** A file a command reads. */
export interface GuardedInput {
  file: string;
  /** What it is, for the message: "the signal file of record 100". */
  what: string;
}

/** A file a command will write. */
export interface GuardedOutput {
  file: string;
  /** What writes it, for the message when two outputs meet: "record data/a/100". */
  for?: string;
}

interface Identity {
  /** The absolute path with every existing link resolved. */
  real: string;
  /** Device and inode when the file exists. */
  node?: string;
  /** What is there, when the file exists. */
  stats?: Stats;
}

/** Resolves the longest existing prefix of `p` through realpath and appends the rest. */
function realPath(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  let head = abs;
  for (;;) {
    try {
      return path.join(realpathSync(head), ...rest.reverse());
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return abs;
      rest.push(path.basename(head));
      head = parent;
    }
  }
}

function identify(file: string): Identity {
  const real = realPath(file);
  // The path itself first: a magic link such as /dev/stdout → /proc/self/fd/1 leads to a pipe that
  // stat reaches and realpath cannot name.
  for (const p of [path.resolve(file), real]) {
    try {
      const stats = statSync(p);
      return { real, node: `${stats.dev}:${stats.ino}`, stats };
    } catch {
      // not there under this name
    }
  }
  return { real };
}

/** A key equal for two paths exactly when they are one file (device and inode, else the real path). */
export function fileKey(file: string): string {
  const id = identify(file);
  return id.node ?? id.real;
}

/** What a file that is neither a regular file nor a directory is, for the message. */
function kindOf(s: Stats): string {
  if (s.isFIFO()) return "a pipe (FIFO)";
  if (s.isCharacterDevice()) return "a character device";
  if (s.isBlockDevice()) return "a block device";
  if (s.isSocket()) return "a socket";
  return "not a regular file";
}

const same = (a: Identity, b: Identity): boolean =>
  a.real === b.real || (a.node !== undefined && a.node === b.node);

/**
 * Refuses (UserError, one line naming the file) an output that is an input, an output written twice,
 * an output that is a directory, and an output whose folder cannot be made or written; makes the
 * folders. Call it with everything the command will read and write, before reading the data.
 */
export function guardOutputs(outputs: readonly GuardedOutput[], inputs: readonly GuardedInput[]): void {
  const ins = inputs.map((i) => ({ ...i, id: identify(i.file) }));
  const seen: { out: GuardedOutput; id: Identity }[] = [];
  for (const out of outputs) {
    const shown = displayPath(path.resolve(out.file));
    const id = identify(out.file);
    const input = ins.find((i) => same(i.id, id));
    if (input !== undefined) {
      throw new UserError(
        `${shown}: refusing to write over ${input.what}, which this command reads; choose another output`,
        out.file,
      );
    }
    const twice = seen.find((s) => same(s.id, id));
    if (twice !== undefined) {
      const who =
        twice.out.for !== undefined && out.for !== undefined ? ` (for ${twice.out.for} and ${out.for})` : "";
      throw new UserError(`${shown}: two outputs of this command would be this one file${who}`, out.file);
    }
    seen.push({ out, id });
    if (id.stats !== undefined) {
      const s = id.stats;
      if (s.isDirectory()) throw new UserError(`${shown}: is a directory, not a file to write`, out.file);
      // A new file is renamed onto the name: a FIFO, a device or a socket there would be replaced.
      if (!s.isFile())
        throw new UserError(
          `${shown}: is ${kindOf(s)}, not a regular file; outputs are written as new files, never into one`,
          out.file,
        );
    }
  }
  for (const dir of new Set(seen.map((s) => path.dirname(s.id.real)))) {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new UserError(`${displayPath(dir)}: cannot make or write the output folder (${code})`, dir);
    }
  }
}
