// A hostile PhysioNet mirror on 127.0.0.1 for the suite: each case is a path prefix under which the
// server misbehaves in one way (a stalling list line, a redirect elsewhere, a file past its size…).
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { HostileCase } from "./hostile.js";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
const FILE = Buffer.from("a small file\n".repeat(100));
const HUGE = 64 * 1024 * 1024;

type Handler = (name: string, req: http.IncomingMessage, res: http.ServerResponse, base: string) => void;

const listing =
  (lines: string): Handler =>
  (name, _req, res) => {
    if (name === "SHA256SUMS.txt") res.end(lines);
    else if (name === "a.dat") res.end(FILE);
    else res.writeHead(404).end();
  };

/** A.dat declared `bytes` long, of which 1 KiB comes before the connection stalls for `stallMs`. */
const declaring =
  (bytes: number, stallMs: number): Handler =>
  (name, _req, res) => {
    if (name === "SHA256SUMS.txt") return void res.end(`${sha(FILE)}  a.dat\n`);
    res.writeHead(200, { "content-length": String(bytes) });
    res.write(Buffer.alloc(1024));
    setTimeout(() => res.destroy(), stallMs);
  };

/** Each mirror: its behaviour, what `ecg data download` must do, and what its refusal names. */
const MIRRORS: Record<
  string,
  { handler: Handler; expect: HostileCase["expect"]; names: string; args?: string[] }
> = {
  clean: { handler: listing(`${sha(FILE)}  a.dat\n`), expect: "ok", names: "" },
  "300k blanks in a list line": {
    handler: listing(`${sha(FILE)}${" ".repeat(300_000)}x\n`),
    expect: "error",
    names: "SHA256SUMS.txt",
  },
  "300k blanks after the name": {
    handler: listing(`${sha(FILE)} a.dat${" ".repeat(300_000)}\n`),
    expect: "error",
    names: "SHA256SUMS.txt",
  },
  "a list of 40 MB": {
    handler: (name, _req, res) => {
      if (name !== "SHA256SUMS.txt") return void res.writeHead(404).end();
      const line = `${sha(FILE)}  a.dat\n`;
      let sent = 0;
      const more = (): void => {
        while (sent < 40 * 1024 * 1024) {
          sent += line.length * 1000;
          if (!res.write(line.repeat(1000))) return void res.once("drain", more);
        }
        res.end();
      };
      more();
    },
    expect: "error",
    names: "SHA256SUMS.txt",
  },
  "a name with ..": {
    handler: listing(`${sha(FILE)}  ../escape.dat\n`),
    expect: "error",
    names: "SHA256SUMS.txt",
  },
  "an absolute name": {
    handler: listing(`${sha(FILE)}  /tmp/escape.dat\n`),
    expect: "error",
    names: "SHA256SUMS.txt",
  },
  "a name listed twice": {
    handler: listing(`${sha(FILE)}  a.dat\n${sha(FILE)}  a.dat\n`),
    expect: "error",
    names: "SHA256SUMS.txt",
  },
  "a control character in a name": {
    handler: listing(`${sha(FILE)}  a\u0001.dat\n`),
    expect: "error",
    names: "SHA256SUMS.txt",
  },
  "not a list": { handler: listing("<html>not found</html>\n"), expect: "error", names: "SHA256SUMS.txt" },
  "a redirect to another host": {
    handler: (name, _req, res) => {
      if (name === "SHA256SUMS.txt") res.end(`${sha(FILE)}  a.dat\n`);
      else res.writeHead(302, { location: "http://localhost.invalid:9/a.dat" }).end();
    },
    expect: "error",
    names: "a.dat",
  },
  "a redirect within the host": {
    handler: (name, _req, res, base) => {
      if (name === "SHA256SUMS.txt") res.end(`${sha(FILE)}  a.dat\n`);
      else if (name === "a.dat") res.writeHead(301, { location: `${base}moved/a.dat` }).end();
      else if (name === "moved/a.dat") res.end(FILE);
      else res.writeHead(404).end();
    },
    expect: "ok",
    names: "",
  },
  "a redirect loop": {
    handler: (name, _req, res, base) => {
      if (name === "SHA256SUMS.txt") res.end(`${sha(FILE)}  a.dat\n`);
      else res.writeHead(302, { location: `${base}a.dat` }).end();
    },
    expect: "error",
    names: "a.dat",
  },
  "a file past its declared length": {
    handler: (name, _req, res) => {
      if (name === "SHA256SUMS.txt") return void res.end(`${sha(FILE)}  a.dat\n`);
      res.writeHead(200, { "content-length": String(FILE.length) });
      // More than declared: Node's server would refuse, so the socket is written directly.
      res.socket?.write(Buffer.alloc(HUGE, 1));
      res.end();
    },
    expect: "error",
    names: "a.dat",
  },
  "a 64 MB file with no length (cap 1 MiB)": {
    handler: (name, _req, res) => {
      if (name === "SHA256SUMS.txt") return void res.end(`${sha(FILE)}  a.dat\n`);
      res.writeHead(200, { "transfer-encoding": "chunked" });
      let sent = 0;
      const more = (): void => {
        while (sent < HUGE) {
          sent += 1 << 20;
          if (!res.write(Buffer.alloc(1 << 20, 2))) return void res.once("drain", more);
        }
        res.end();
      };
      more();
    },
    expect: "error",
    names: "a.dat",
    args: ["--max-file-mb", "1"],
  },
  "a declared length past the cap": {
    handler: declaring(700 * 1024 * 1024, 2000),
    expect: "error",
    names: "a.dat",
    args: ["--max-file-mb", "100"],
  },
  "a 700 MB file for a 1.9 MB one (the default cap)": {
    handler: declaring(700 * 1024 * 1024, 2000),
    expect: "error",
    names: "a.dat",
  },
  "a file that stalls (for Ctrl-C)": {
    handler: declaring(50 * 1024 * 1024, 5000),
    expect: "error",
    names: "a.dat",
  },
  "a wrong checksum": {
    handler: listing(`${"0".repeat(64)}  a.dat\n`),
    expect: "error",
    names: "a.dat",
  },
  "a server error": {
    handler: (_name, _req, res) => void res.writeHead(500).end(),
    expect: "error",
    names: "SHA256SUMS.txt",
  },
};

export interface Mirror {
  cases(dest: (name: string) => string): HostileCase[];
  close(): Promise<void>;
}

export async function startMirror(): Promise<Mirror> {
  let port = 0;
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? "");
    const m = /^\/([^/]+)\/(.*)$/.exec(url);
    const mirror = m ? Object.entries(MIRRORS)[Number(m[1])] : undefined;
    if (!m || !mirror) return void res.writeHead(404).end();
    mirror[1].handler(m[2]!, req, res, `http://127.0.0.1:${port}/${m[1]}/`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  return {
    cases: (dest) =>
      Object.entries(MIRRORS).map(([name, m], i) => ({
        name: `mirror/${name}`,
        args: [
          "data",
          "download",
          "--db",
          "x",
          "--base-url",
          `http://127.0.0.1:${port}/${i}/`,
          "--dest",
          dest(name),
          ...(m.args ?? []),
        ],
        names: m.names,
        expect: m.expect,
        check: () => undefined,
      })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
