// Outputs that are not regular files (issue 21.8), and the viewer's server asked what a browser on a
// hostile page would ask (issue 21.10), for the hostile-input suite.
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import type { HostileCase } from "./hostile.js";

export interface SpecialFiles {
  /** Each special file made, by what it is. */
  files: Map<string, string>;
  /** What each file was when made ("fifo", "socket", "character device"). */
  before: Map<string, string>;
  /** What each is now (after the cases ran, every one must still be what it was). */
  kinds(): Map<string, string>;
  close(): Promise<void>;
}

const kindOf = (file: string): string => {
  if (!existsSync(file)) return "gone";
  const s = lstatSync(file);
  return s.isFIFO()
    ? "fifo"
    : s.isSocket()
      ? "socket"
      : s.isCharacterDevice()
        ? "character device"
        : s.isFile()
          ? "regular file"
          : "other";
};

/** A FIFO (mkfifo), a Unix socket (listening), and a character device (mknod: only as root). */
export async function makeSpecialFiles(dir: string): Promise<SpecialFiles> {
  const files = new Map<string, string>();
  const fifo = path.join(dir, "out.fifo");
  if (spawnSync("mkfifo", [fifo]).status === 0) files.set("a FIFO", fifo);
  const sock = path.join(dir, "out.sock");
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  files.set("a socket", sock);
  const dev = path.join(dir, "out.null");
  if (process.getuid?.() === 0 && spawnSync("mknod", [dev, "c", "1", "3"]).status === 0)
    files.set("a character device", dev);
  const before = new Map([...files.values()].map((f) => [f, kindOf(f)]));
  return {
    files,
    before,
    kinds: () => new Map([...before.keys()].map((f) => [f, kindOf(f)])),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Every command that writes a named output, aimed at each special file and at the child's own
 * standard output by /dev/fd/1 (the suite's pipe to the child). Not /dev/stdout: a regression that
 * renamed a file onto it would replace the machine's /dev/stdout link for every later process (it
 * happened once here); a file cannot be created in /dev/fd (/proc/self/fd), so a regression through
 * /dev/fd/1 fails instead of doing harm.
 */
export function specialFileCases(
  special: SpecialFiles,
  model: string,
  record: string,
  beatsCsv: string,
): HostileCase[] {
  const cases: HostileCase[] = [];
  const targets = [...special.files, ["/dev/fd/1 (the suite's pipe, a socket)", "/dev/fd/1"] as const];
  for (const [what, file] of targets) {
    const names = path.basename(file);
    const refused = (command: string, args: string[]): void => {
      cases.push({ name: `special/${command} --out ${what}`, args, names, expect: "error" });
    };
    refused("ensemble --overwrite", ["ensemble", "--out", file, "--overwrite", model, model]);
    refused("classify --output", ["classify", "--record", record, "--model", model, "--output", file]);
    refused("predict --output", ["predict", "--model", model, "--input", beatsCsv, "--output", file]);
    refused("detect --output", ["detect", "--record", record, "--output", file]);
  }
  return cases;
}

/** What the viewer must answer, and what it did. */
interface Probe {
  what: string;
  method: string;
  host?: string;
  expect: number;
  got?: number;
}

function ask(url: URL, probe: Probe): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      url,
      { method: probe.method, headers: probe.host !== undefined ? { host: probe.host } : {} },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", () => resolve(-1));
    req.end();
  });
}

/**
 * `ecg view --serve` asked with GET, HEAD, POST, TRACE, PUT, DELETE and with a foreign Host (a DNS
 * rebinding); it must answer GET and HEAD only, and only for its own host. SIGTERM ends it (exit 0).
 */
export function serveCase(record: string): HostileCase {
  const probes: Probe[] = [
    { what: "GET", method: "GET", expect: 200 },
    { what: "HEAD", method: "HEAD", expect: 200 },
    { what: "GET as localhost", method: "GET", host: "localhost:PORT", expect: 200 },
    { what: "POST", method: "POST", expect: 405 },
    { what: "TRACE", method: "TRACE", expect: 405 },
    { what: "PUT", method: "PUT", expect: 405 },
    { what: "DELETE", method: "DELETE", expect: 405 },
    { what: "GET with Host evil.example", method: "GET", host: "evil.example", expect: 403 },
    { what: "GET with Host evil.example:PORT", method: "GET", host: "evil.example:PORT", expect: 403 },
    { what: "POST with Host evil.example", method: "POST", host: "evil.example", expect: 403 },
  ];
  return {
    name: "serve/view --serve: GET and HEAD only, its own Host only",
    args: ["view", "--record", record, "--model", "none", "--serve"],
    names: "",
    expect: "ok",
    drive: (child) => {
      let out = "";
      let asked = false;
      child.stdout?.on("data", async (d: string | Buffer) => {
        out += d.toString();
        const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        if (!m || asked) return;
        asked = true;
        const url = new URL(m[0]);
        for (const p of probes) {
          if (p.host !== undefined) p.host = p.host.replace("PORT", m[1]!);
          p.got = await ask(url, p);
        }
        child.kill("SIGTERM");
      });
    },
    check: () => {
      const wrong = probes.filter((p) => p.got !== p.expect);
      return wrong.length === 0
        ? undefined
        : wrong.map((p) => `${p.what}: ${p.got ?? "not asked"}, not ${p.expect}`).join("; ");
    },
  };
}
