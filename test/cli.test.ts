import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { mitdbSkip, recordPath, repoRoot } from "./helpers/mitdb.js";

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

test("ecg --version prints the package's version", () => {
  const r = ecg("--version");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^ecg-beats \d+\.\d+\.\d+\n$/);
});

test("a misspelt command or option gets a 'did you mean'", () => {
  const command = ecg("trian");
  assert.equal(command.status, 2);
  assert.equal(command.stderr.trim().split("\n").length, 1);
  assert.match(command.stderr, /unknown command 'trian'; did you mean 'train'\?/);
  const option = ecg("detect", "--recrod", "x");
  assert.equal(option.status, 2);
  assert.match(option.stderr, /Unknown option '--recrod'; did you mean '--record'\?/);
  assert.doesNotMatch(ecg("frobnicate").stderr, /did you mean/);
});

test("a group of commands lists its sub-commands", () => {
  for (const [group, subs] of [
    ["data", ["data download", "data build", "data info"]],
    ["bench", ["bench train", "bench infer", "bench ops"]],
  ] as const) {
    const bare = ecg(group);
    assert.equal(bare.status, 2, "a group alone is a usage error");
    for (const s of subs) assert.match(bare.stdout, new RegExp(`^  ${s} `, "m"));
    assert.equal(ecg(group, "--help").status, 0);
  }
});

test("--record takes 100, 100.hea and 100.dat alike", { skip: mitdbSkip }, () => {
  const outputs = ["", ".hea", ".dat"].map((ext) => ecg("detect", "--record", `${recordPath("100")}${ext}`));
  for (const r of outputs) assert.equal(r.status, 0, r.stderr);
  assert.equal(outputs[1]!.stdout, outputs[0]!.stdout);
  assert.equal(outputs[2]!.stdout, outputs[0]!.stdout);
});
