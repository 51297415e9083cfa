import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { repoRoot } from "./helpers/mitdb.js";

const bin = path.join(repoRoot, "bin", "ecg.js");

function ecg(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
}

test("ecg --help lists the commands and exits 0", () => {
  const r = ecg("--help");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /data build/);
  assert.match(r.stdout, /classify/);
});

test("an unknown command is a usage error (exit 2, one line)", () => {
  const r = ecg("frobnicate");
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /unknown command/);
});

test("an unknown option is a usage error naming it", () => {
  const r = ecg("data", "info", "--no-such-flag");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no-such-flag/);
});
