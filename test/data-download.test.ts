// `ecg data download` against a local HTTP server on 127.0.0.1 that serves ../shared/data/mitdb
// (with Range support), a list of files taken from the database's own SHA256SUMS.txt, and faults on
// demand: a corrupted file, a connection cut mid-file.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { mitdbDir, mitdbSkip, repoRoot } from "./helpers/mitdb.js";

const FILES = ["100.hea", "100.dat", "100.atr", "101.hea", "101.atr"];
const tmp = mkdtempSync(path.join(os.tmpdir(), "data-download-"));

interface Faults {
  corrupt: Set<string>;
  /** Cut the connection after this many bytes of the file, once. */
  cutAfter: Map<string, number>;
}
const faults: Faults = { corrupt: new Set(), cutAfter: new Map() };
const requests: { name: string; range: string | undefined }[] = [];
let server: http.Server;
let baseUrl = "";

function sumsSubset(): string {
  const lines = readFileSync(path.join(mitdbDir, "SHA256SUMS.txt"), "utf8").split("\n");
  return `${lines.filter((l) => FILES.includes(l.split(/\s+/)[1] ?? "")).join("\n")}\n`;
}

before(async () => {
  if (mitdbSkip) return;
  server = http.createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? "").replace(/^\/mitdb\/1\.0\.0\//, ""));
    requests.push({ name, range: req.headers.range });
    let body: Buffer;
    if (name === "SHA256SUMS.txt") body = Buffer.from(sumsSubset());
    else if (FILES.includes(name)) body = readFileSync(path.join(mitdbDir, name));
    else {
      res.writeHead(404).end();
      return;
    }
    if (faults.corrupt.has(name)) {
      body = Buffer.from(body);
      body[10]! ^= 0xff;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (m) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { "Content-Range": `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        "Content-Length": body.length - start,
        "Content-Range": `bytes ${start}-${body.length - 1}/${body.length}`,
      });
    } else {
      res.writeHead(200, { "Content-Length": body.length });
    }
    const cut = faults.cutAfter.get(name);
    if (cut !== undefined) {
      faults.cutAfter.delete(name);
      res.write(body.subarray(start, start + cut), () => setTimeout(() => res.socket?.destroy(), 50));
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mitdb/1.0.0/`;
});

after(() => {
  server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs the CLI without blocking this process (the server lives here). */
function ecg(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, "bin", "ecg.js"), ...args], { cwd: tmp });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

function sameAsSource(dest: string, name: string): boolean {
  return readFileSync(path.join(dest, name)).equals(readFileSync(path.join(mitdbDir, name)));
}

test("downloads every listed file, verified; a second run fetches nothing", { skip: mitdbSkip }, async () => {
  const dest = path.join(tmp, "fresh");
  const r = await ecg("data", "download", "--dest", dest, "--base-url", baseUrl, "--json");
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { files: number; downloaded: number; dest: string };
  assert.equal(summary.files, FILES.length);
  assert.equal(summary.downloaded, FILES.length);
  assert.equal(summary.dest, "fresh"); // relative to the working directory
  for (const f of FILES) assert.ok(sameAsSource(dest, f), f);
  assert.ok(existsSync(path.join(dest, "SHA256SUMS.txt")));
  assert.deepEqual(
    readdirSync(dest).filter((f) => f.includes(".part")),
    [],
  );

  requests.length = 0;
  const again = await ecg("data", "download", "--dest", dest, "--base-url", baseUrl);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /5 files verified in fresh \(0 downloaded, 0 resumed, 5 already present/);
  assert.deepEqual(
    requests.map((q) => q.name),
    ["SHA256SUMS.txt"],
  );
});

test("a corrupted file is rejected: exit 1, one line naming it, nothing left under its name", {
  skip: mitdbSkip,
}, async () => {
  const dest = path.join(tmp, "corrupt");
  faults.corrupt.add("101.hea");
  try {
    const r = await ecg("data", "download", "--dest", dest, "--base-url", baseUrl);
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0]!,
      /^ecg: error: 101\.hea: SHA-256 mismatch \(expected [0-9a-f]{64}, got [0-9a-f]{64}\); the file was discarded$/,
    );
    assert.ok(!existsSync(path.join(dest, "101.hea")));
    assert.ok(!existsSync(path.join(dest, "101.hea.part")));
    // The list is written only after a complete, verified download.
    assert.ok(!existsSync(path.join(dest, "SHA256SUMS.txt")));
  } finally {
    faults.corrupt.clear();
  }
});

test("an interrupted download leaves only a .part, and the next run resumes it with a Range request", {
  skip: mitdbSkip,
}, async () => {
  const dest = path.join(tmp, "resume");
  faults.cutAfter.set("100.dat", 700_000);
  const r = await ecg("data", "download", "--dest", dest, "--base-url", baseUrl);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /connection lost after \d+ bytes of 100\.dat \(run again to resume\)/);
  assert.ok(!existsSync(path.join(dest, "100.dat")));
  const partSize = statSync(path.join(dest, "100.dat.part")).size;
  assert.ok(partSize > 0 && partSize <= 700_000, `part holds ${partSize} bytes`);

  requests.length = 0;
  const again = await ecg("data", "download", "--dest", dest, "--base-url", baseUrl, "--json");
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(
    requests.find((q) => q.name === "100.dat"),
    { name: "100.dat", range: `bytes=${partSize}-` },
  );
  assert.equal((JSON.parse(again.stdout) as { resumed: number }).resumed, 1);
  for (const f of FILES) assert.ok(sameAsSource(dest, f), f);
  assert.ok(!existsSync(path.join(dest, "100.dat.part")));
});
