// Downloads a PhysioNet database (https://physionet.org/files/<db>/<version>/): every file its
// SHA256SUMS.txt lists, each checked against its SHA-256. A file is written as `<name>.part` and renamed
// to its final name only once its hash matches, so an interrupted or corrupted download never sits
// under a final name; a later run resumes a `.part` with an HTTP Range request.
import { createHash, type Hash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { UserError } from "../errors.js";

export const SUMS_FILE = "SHA256SUMS.txt";

export function defaultBaseUrl(db: string): string {
  return `https://physionet.org/files/${db}/1.0.0/`;
}

export interface SumEntry {
  name: string;
  sha256: string;
}

/** Parses a SHA-256 list ("<hex>  <name>", "<hex> *<name>", or PhysioNet's "<hex> <name>"); files in sub-directories only when `all`. */
export function parseSums(text: string, source: string, all = false): SumEntry[] {
  const out: SumEntry[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const m = /^([0-9a-fA-F]{64})\s+\*?(.+?)\s*$/.exec(line);
    if (!m) throw new UserError(`${source}: line ${i + 1}: not a sha256sum line`);
    const name = m[2]!;
    // Never write outside the destination.
    if (path.isAbsolute(name) || name.split("/").includes("..")) {
      throw new UserError(`${source}: line ${i + 1}: unsafe file name '${name}'`);
    }
    if (all || !name.includes("/")) out.push({ name, sha256: m[1]!.toLowerCase() });
  });
  if (out.length === 0) throw new UserError(`${source}: lists no files`);
  return out;
}

export type FileOutcome = "present" | "downloaded" | "resumed";

export interface DownloadEvents {
  /** Called once the file list is known. */
  onList?(entries: SumEntry[]): void;
  /** Bytes received (for a progress display). */
  onBytes?(n: number): void;
  onFile?(entry: SumEntry, outcome: FileOutcome): void;
}

export interface DownloadOptions extends DownloadEvents {
  baseUrl: string;
  dest: string;
  /** Also fetch files in sub-directories of the database. */
  all?: boolean;
  /** Files fetched at once. */
  concurrency?: number;
}

export interface DownloadSummary {
  files: number;
  present: number;
  downloaded: number;
  resumed: number;
  bytes: number;
}

function urlOf(baseUrl: string, name: string): string {
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  return new URL(name.split("/").map(encodeURIComponent).join("/"), base).href;
}

async function hashFile(file: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

async function sha256Of(file: string): Promise<string> {
  const h = createHash("sha256");
  await hashFile(file, h);
  return h.digest("hex");
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  try {
    return await fetch(url, { headers, redirect: "follow" });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new UserError(
      `${url}: download failed (${cause?.code ?? cause?.message ?? (e as Error).message})`,
      url,
    );
  }
}

/**
 * Fetches one file to `<final>.part` (resuming it when present), checks its SHA-256 and renames it.
 * A resumed file that fails the check is fetched once more from the start.
 */
async function fetchFile(
  opts: DownloadOptions,
  entry: SumEntry,
  total: { bytes: number },
): Promise<FileOutcome> {
  const final = path.join(opts.dest, entry.name);
  const part = `${final}.part`;
  const shown = entry.name;
  mkdirSync(path.dirname(final), { recursive: true });
  if (existsSync(final) && (await sha256Of(final)) === entry.sha256) return "present";
  const url = urlOf(opts.baseUrl, entry.name);
  for (let attempt = 0; ; attempt++) {
    const have = attempt === 0 && existsSync(part) ? statSync(part).size : 0;
    const res = await get(url, have > 0 ? { Range: `bytes=${have}-` } : {});
    if (res.status === 416 && have > 0) {
      // The server has no bytes past what we hold: the part is complete (or bogus); the hash decides.
      await res.body?.cancel();
    } else if (!(res.status === 200 || (res.status === 206 && have > 0))) {
      await res.body?.cancel();
      throw new UserError(`${url}: HTTP ${res.status} ${res.statusText}`.trimEnd(), url);
    }
    const resumed = res.status === 206 || res.status === 416;
    const hash = createHash("sha256");
    if (resumed) await hashFile(part, hash);
    if (res.status !== 416) {
      const fh = await open(part, resumed ? "a" : "w");
      try {
        if (res.body) {
          try {
            for await (const chunk of res.body) {
              const bytes = chunk as Uint8Array;
              hash.update(bytes);
              await fh.write(bytes);
              total.bytes += bytes.length;
              opts.onBytes?.(bytes.length);
            }
          } catch {
            // The part stays: the next run resumes from it.
            throw new UserError(
              `${url}: connection lost after ${(await fh.stat()).size} bytes of ${shown} (run again to resume)`,
              url,
            );
          }
        }
      } finally {
        await fh.close();
      }
    }
    const digest = hash.digest("hex");
    if (digest === entry.sha256) {
      renameSync(part, final);
      return resumed ? "resumed" : "downloaded";
    }
    rmSync(part, { force: true });
    if (resumed) continue; // the earlier part was bad: start over once
    throw new UserError(
      `${shown}: SHA-256 mismatch (expected ${entry.sha256}, got ${digest}); the file was discarded`,
      final,
    );
  }
}

export async function downloadDatabase(opts: DownloadOptions): Promise<DownloadSummary> {
  mkdirSync(opts.dest, { recursive: true });
  const sumsUrl = urlOf(opts.baseUrl, SUMS_FILE);
  const res = await get(sumsUrl);
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new UserError(`${sumsUrl}: HTTP ${res.status} ${res.statusText}`.trimEnd(), sumsUrl);
  }
  const sumsText = await res.text();
  const entries = parseSums(sumsText, sumsUrl, opts.all).filter((e) => e.name !== SUMS_FILE);
  opts.onList?.(entries);
  const summary: DownloadSummary = { files: entries.length, present: 0, downloaded: 0, resumed: 0, bytes: 0 };
  const total = { bytes: 0 };
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < entries.length && !failed) {
      const entry = entries[next++]!;
      let outcome: FileOutcome;
      try {
        outcome = await fetchFile(opts, entry, total);
      } catch (e) {
        failed = true; // the other workers finish their current file and stop
        throw e;
      }
      summary[outcome]++;
      opts.onFile?.(entry, outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
  // The list goes in last: its presence says every file it names is complete and verified.
  const sumsFile = path.join(opts.dest, SUMS_FILE);
  writeFileSync(`${sumsFile}.part`, sumsText);
  renameSync(`${sumsFile}.part`, sumsFile);
  summary.bytes = total.bytes;
  return summary;
}
