// The run directory's lock and the cleaning of temporary files left by killed writers.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { temporaryPath, writeFileAtomic } from "../src/atomic-file.js";
import { RunDirError } from "../src/run-dir/errors.js";
import { removeRunFiles, removeStaleRunTemporaries } from "../src/run-dir/files.js";
import { RunLock } from "../src/run-dir/lock.js";
import { tempDir } from "./helpers/run-fixture.js";

const root = tempDir("ecg-lock-test-");
after(() => rmSync(root, { recursive: true, force: true }));

const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!;

test("one lock per directory: a second one (this process or another live one) is refused", () => {
  const dir = path.join(root, "a");
  mkdirSync(dir);
  const lock = RunLock.acquire(dir);
  const file = path.join(dir, "train.lock");
  assert.equal(JSON.parse(readFileSync(file, "utf8")).pid, process.pid);
  assert.throws(
    () => RunLock.acquire(dir),
    (e: unknown) => e instanceof RunDirError && /already training/.test(e.message),
  );
  lock.release();
  assert.ok(!existsSync(file));
  lock.release(); // twice is harmless
  // A lock that is not ours any more (replaced by hand) is left alone on release.
  const again = RunLock.acquire(dir);
  const foreign = JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: "x" });
  writeFileSync(file, foreign);
  again.release();
  assert.equal(readFileSync(file, "utf8"), foreign);
  assert.throws(() => RunLock.acquire(dir), /another training \(process \d+, since x\)/);
});

test("a dead process's lock, and an unreadable old one, are taken over with a note", () => {
  const dir = path.join(root, "b");
  mkdirSync(dir);
  const file = path.join(dir, "train.lock");
  const dead = deadPid();
  writeFileSync(file, JSON.stringify({ pid: dead, host: hostname(), startedAt: "then" }));
  const notes: string[] = [];
  const lock = RunLock.acquire(dir, (n) => notes.push(n));
  assert.deepEqual(notes, [`took over the lock of process ${dead} (no longer running; started then)`]);
  assert.equal(JSON.parse(readFileSync(file, "utf8")).pid, process.pid);
  lock.release();
  assert.deepEqual(readdirSync(dir), [], "nothing left beside it");
});

test("stale temporaries: only those of run files, only of processes gone; removeRunFiles keeps other files", () => {
  const dir = path.join(root, "c");
  mkdirSync(dir);
  const dead = deadPid();
  const names = [
    `.last.safetensors.tmp-${dead}`,
    `.metrics.jsonl.tmp-${dead}`,
    `.metrics.jsonl.tmp-${process.ppid}`,
    `.data.csv.tmp-${dead}`,
    "config.json",
    "report.html",
    "my-notes.md",
  ];
  for (const n of names) writeFileSync(path.join(dir, n), "x");
  assert.deepEqual(removeStaleRunTemporaries(dir).sort(), [
    `.last.safetensors.tmp-${dead}`,
    `.metrics.jsonl.tmp-${dead}`,
  ]);
  assert.deepEqual(removeRunFiles(dir), ["config.json", "report.html"]);
  assert.deepEqual(
    readdirSync(dir).sort(),
    [`.data.csv.tmp-${dead}`, `.metrics.jsonl.tmp-${process.ppid}`, "my-notes.md"].sort(),
  );
  // The writer names its temporary file the way the cleaner expects.
  writeFileAtomic(path.join(dir, "config.json"), "{}");
  assert.equal(path.basename(temporaryPath(path.join(dir, "config.json"), 42)), ".config.json.tmp-42");
});
