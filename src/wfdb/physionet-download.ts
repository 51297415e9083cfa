// Downloads a PhysioNet database (https://physionet.org/files/<db>/<version>/): every file its
// SHA256SUMS.txt lists, each checked against its SHA-256. A file is written as `<name>.part` and renamed
// to its final name only once its hash matches, so an interrupted or corrupted download never sits
// under a final name; a later run resumes a `.part` with an HTTP Range request.
// A mirror is not trusted further than that: the list is parsed in linear time and read up to a
// bound, redirects are followed only within the same host, a file stops at the size its response
// declares and at a cap, and nothing is written outside the destination or twice to one name.
// Requests go through node:http and node:https, not fetch: fetch's HTTP parser is WebAssembly, whose
// memory reservation fails under an address-space limit (ulimit -v 8 GB) with an error thrown twice,
// the second time as an uncaught stack trace.
import { createHash, type Hash } from "node:crypto";
import {
  constants,
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { open } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import { writeFileAtomic } from "../atomic-file.js";
import { UserError } from "../errors.js";
import { guardOutputs } from "../output-guard.js";

export const SUMS_FILE = "SHA256SUMS.txt";

export function defaultBaseUrl(db: string): string {
  return `https://physionet.org/files/${db}/1.0.0/`;
}

export interface SumEntry {
  name: string;
  sha256: string;
}

/** The longest list line accepted (PhysioNet's are under 200 characters). */
const MAX_SUMS_LINE = 4096;
/** The most bytes of a SHA-256 list read into memory. */
export const MAX_SUMS_BYTES = 16 * 1024 * 1024;
/**
 * The default cap on one file: MIT-BIH's largest is 1.9 MB, a mirror's 700 MB stand-in for it stops
 * here; DownloadOptions.maxFileBytes (--max-file-mb) raises it for databases of larger files.
 */
export const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;
const MAX_REDIRECTS = 5;

const isHex64 = (s: string): boolean => /^[0-9a-fA-F]{64}$/.test(s);
const isBlank = (c: string | undefined): boolean => c === " " || c === "\t";

/**
 * Parses a SHA-256 list ("<hex>  <name>", "<hex> *<name>", or PhysioNet's "<hex> <name>"); files in
 * sub-directories only when `all`. Linear in the text: no pattern that backtracks over blanks.
 */
export function parseSums(text: string, source: string, all = false): SumEntry[] {
  const out: SumEntry[] = [];
  const seen = new Set<string>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const fail = (msg: string): never => {
      throw new UserError(`${source}: line ${i + 1}: ${msg}`, source);
    };
    const line = lines[i]!.endsWith("\r") ? lines[i]!.slice(0, -1) : lines[i]!;
    if (line.trim() === "") continue;
    if (line.length > MAX_SUMS_LINE) fail(`line longer than ${MAX_SUMS_LINE} characters`);
    const hex = line.slice(0, 64);
    if (!isHex64(hex) || !isBlank(line[64])) fail("not a sha256sum line");
    let at = 65;
    while (isBlank(line[at])) at++;
    if (line[at] === "*") at++;
    const name = line.slice(at).trimEnd();
    if (name === "") fail("not a sha256sum line");
    // Never write outside the destination, nor to a name that is not a plain relative path.
    const parts = name.split("/");
    if (
      path.isAbsolute(name) ||
      parts.some((p) => p === "" || p === "." || p === "..") ||
      [...name].some((c) => c.charCodeAt(0) < 0x20)
    )
      fail(`unsafe file name '${name.slice(0, 80).replace(/[^\x20-\x7e]/g, "?")}'`);
    if (seen.has(name)) fail(`'${name}' is listed twice`);
    seen.add(name);
    if (all || parts.length === 1) out.push({ name, sha256: hex.toLowerCase() });
  }
  if (out.length === 0) throw new UserError(`${source}: lists no files`, source);
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
  /** The largest file accepted, in bytes (DEFAULT_MAX_FILE_BYTES). */
  maxFileBytes?: number;
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

/** How long a connection may stay silent (as fetch's own header and body timeouts). */
const SILENCE_MS = 300_000;

/** A response: its status, its headers, its body as it arrives, and a way to drop the rest. */
interface Reply {
  status: number;
  statusText: string;
  header(name: string): string | null;
  body: AsyncIterable<Uint8Array>;
  /** Discards the rest of the body (closes the connection). */
  cancel(): void;
}

/** One GET, no redirect followed; a failure to connect or a silent connection rejects. */
function request(url: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const client = u.protocol === "https:" ? https : http;
    // Bytes as they are on the server: a compressed body would not match its SHA-256.
    const req = client.get(
      u,
      { headers: { "accept-encoding": "identity", ...headers }, timeout: SILENCE_MS },
      (res) => {
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? "",
          header: (name) => {
            const v = res.headers[name.toLowerCase()];
            return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
          },
          body: res,
          cancel: () => res.destroy(),
        });
      },
    );
    req.on("timeout", () => {
      const e = new Error(`no data for ${SILENCE_MS / 1000} s`) as NodeJS.ErrnoException;
      e.code = "ETIMEDOUT";
      req.destroy(e);
    });
    req.on("error", reject);
  });
}

/**
 * GETs a URL, following redirects only to the same host (at most MAX_REDIRECTS): a mirror must not
 * send the download elsewhere.
 */
async function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  const host = new URL(url).host;
  let at = url;
  for (let hops = 0; ; hops++) {
    let res: Reply;
    try {
      res = await request(at, headers);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.code?.startsWith("HPE_")
        ? `a malformed HTTP response, ${err.code}`
        : (err.code ?? err.message);
      throw new UserError(`${at}: download failed (${why})`, url);
    }
    const encoding = res.header("content-encoding");
    if (encoding !== null && encoding.trim().toLowerCase() !== "identity") {
      res.cancel();
      throw new UserError(
        `${at}: the server sent a '${encoding.slice(0, 40)}' body, not the file's bytes`,
        url,
      );
    }
    if (res.status < 300 || res.status >= 400 || res.status === 304) return res;
    res.cancel();
    const location = res.header("location");
    if (location === null) throw new UserError(`${at}: HTTP ${res.status} without a Location`, url);
    if (!URL.canParse(location, at)) throw new UserError(`${at}: HTTP ${res.status} to a bad Location`, url);
    const next = new URL(location, at);
    if (next.host !== host || !(next.protocol === "https:" || next.protocol === "http:"))
      throw new UserError(`${url}: redirected to another host (${next.host}); refused`, url);
    if (hops >= MAX_REDIRECTS) throw new UserError(`${url}: more than ${MAX_REDIRECTS} redirects`, url);
    at = next.href;
  }
}

/** A response's body as text, refused past `max` bytes. */
async function boundedText(res: Reply, url: string, max: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > max) {
        res.cancel();
        throw new UserError(`${url}: larger than ${max} bytes; not a SHA-256 list`, url);
      }
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${url}: connection lost after ${size} bytes`, url);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The size a response declares for the whole file (Content-Range's total, else Content-Length + `have`). */
function declaredSize(res: Reply, have: number): number | undefined {
  const range = /\/(\d+)\s*$/.exec(res.header("content-range") ?? "");
  if (range) return Number(range[1]);
  const length = res.header("content-length");
  return length !== null && /^\d+$/.test(length.trim()) ? Number(length) + have : undefined;
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
  const cap = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  // A .part that is a link would be written through: only a plain file is resumed.
  if (existsSync(part) && lstatSync(part).isSymbolicLink()) rmSync(part);
  if (existsSync(final) && (await sha256Of(final)) === entry.sha256) return "present";
  const url = urlOf(opts.baseUrl, entry.name);
  for (let attempt = 0; ; attempt++) {
    const have = attempt === 0 && existsSync(part) ? statSync(part).size : 0;
    const res = await get(url, have > 0 ? { Range: `bytes=${have}-` } : {});
    if (res.status === 416 && have > 0) {
      // The server has no bytes past what we hold: the part is complete (or bogus); the hash decides.
      res.cancel();
    } else if (!(res.status === 200 || (res.status === 206 && have > 0))) {
      res.cancel();
      throw new UserError(`${url}: HTTP ${res.status} ${res.statusText}`.trimEnd(), url);
    }
    const resumed = res.status === 206 || res.status === 416;
    const hash = createHash("sha256");
    if (resumed) await hashFile(part, hash);
    if (res.status !== 416) {
      const declared = declaredSize(res, resumed ? have : 0);
      const limit = Math.min(cap, declared ?? cap);
      if (declared !== undefined && declared > cap) {
        res.cancel();
        throw new UserError(
          `${url}: ${shown} is ${declared} bytes, more than the ${cap} accepted (--max-file-mb raises it)`,
          url,
        );
      }
      const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW;
      const fh = await open(part, resumed ? flags | constants.O_APPEND : flags | constants.O_TRUNC);
      let size = resumed ? have : 0;
      let overflow = false;
      try {
        try {
          for await (const bytes of res.body) {
            size += bytes.length;
            if (size > limit) {
              overflow = true;
              break; // leaving the loop closes the connection
            }
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
      } finally {
        await fh.close();
      }
      if (overflow) {
        rmSync(part, { force: true });
        throw new UserError(
          `${url}: ${shown} runs past ${limit} bytes (${declared !== undefined ? "its declared size" : "the size cap; --max-file-mb raises it"}); the file was discarded`,
          url,
        );
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
    res.cancel();
    throw new UserError(`${sumsUrl}: HTTP ${res.status} ${res.statusText}`.trimEnd(), sumsUrl);
  }
  const sumsText = await boundedText(res, sumsUrl, MAX_SUMS_BYTES);
  const entries = parseSums(sumsText, sumsUrl, opts.all).filter((e) => e.name !== SUMS_FILE);
  // Before any file: no two names are one file (a case-insensitive disk), every folder can be made.
  guardOutputs(
    [
      ...entries.map((e) => ({ file: path.join(opts.dest, e.name) })),
      { file: path.join(opts.dest, SUMS_FILE) },
    ],
    [],
  );
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
  writeFileAtomic(path.join(opts.dest, SUMS_FILE), sumsText);
  summary.bytes = total.bytes;
  return summary;
}
