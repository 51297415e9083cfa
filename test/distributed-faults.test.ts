// `ecg train --nproc`: a real run through the launcher; a worker killed mid-epoch stops the job with
// one line naming its rank, and --resume finishes it; a worker started on its own (as on another
// host) that loses its peer names it; rendezvous failures (no master, a missing worker) are one
// line; --nproc 1 is today's single-process run, to the bit.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { distributedBackends } from "../src/engine/index.js";
import { readSafetensors, toFloat32Array } from "../src/nn/safetensors.js";
import { engineSkip, maxAbsDiff } from "./helpers/engine.js";
import { mitdbSkip } from "./helpers/mitdb.js";
import { makeTrainData } from "./helpers/train-data.js";
import { childWithRank, ended, freePort, rankEnv, spawnEcg } from "./helpers/workers.js";

const skip =
  engineSkip || mitdbSkip || (distributedBackends().includes("gloo") ? false : "the addon has no Gloo");
const tmp = mkdtempSync(path.join(tmpdir(), "ecg-ddp-cli-"));
const data = path.join(tmp, "data");

const trainArgs = (out: string, epochs: number, ...more: string[]) => [
  "train",
  "--data",
  data,
  "--preset",
  "compact",
  "--epochs",
  String(epochs),
  "--batch",
  "64",
  "--threads",
  "1",
  "--seed",
  "3",
  "--no-test",
  "--out",
  path.join(tmp, out),
  ...more,
];

function epochsIn(run: string): number[] {
  const file = path.join(tmp, run, "metrics.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => (JSON.parse(l) as { epoch: number }).epoch);
}

async function until(what: string, ok: () => boolean, seconds: number): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  while (!ok()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function weights(file: string): Float32Array[] {
  return [...readSafetensors(file).tensors.entries()]
    .filter(([k]) => !k.startsWith("__"))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, t]) => toFloat32Array(t));
}

describe("ecg train --nproc", { skip }, () => {
  test("a worker killed mid-epoch stops the job within 60 s, naming its rank; --resume finishes the run", async () => {
    makeTrainData(data);
    const args = trainArgs("killed", 5, "--nproc", "2", "--dist-timeout", "30");
    const launcher = spawnEcg(args);
    const done = ended(launcher);
    await until("epoch 1", () => epochsIn("killed").length >= 1, 120);
    const victim = childWithRank(launcher.pid!, 1);
    assert.ok(victim, "rank 1's process");
    const killedAt = performance.now();
    process.kill(victim, "SIGKILL");
    const r = await done;
    const seconds = (performance.now() - killedAt) / 1000;
    assert.ok(seconds < 60, `stopped after ${seconds} s`);
    assert.equal(r.code, 1, r.stderr);
    const last = r.stderr.trim().split("\n").pop()!;
    assert.match(
      last,
      /^ecg: error: rank 1 \(pid \d+\) was killed by SIGKILL; the other workers were stopped/,
    );
    assert.ok(epochsIn("killed").length < 5, "the run did not finish");
    // The last checkpoint is a whole one (written atomically by rank 0).
    assert.ok(weights(path.join(tmp, "killed", "last.safetensors")).length > 0);

    const resumed = await ended(spawnEcg([...args, "--resume"]));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(epochsIn("killed"), [1, 2, 3, 4, 5]);
    assert.match(resumed.stderr, /2 processes × 1 threads.*resuming at epoch/);
  });

  test("--nproc 1 is the single-process run, to the bit; the 2-process run trains too", async () => {
    if (!existsSync(path.join(data, "mitbih_train.csv"))) makeTrainData(data);
    const plain = await ended(spawnEcg(trainArgs("plain", 1)));
    assert.equal(plain.code, 0, plain.stderr);
    const one = await ended(spawnEcg(trainArgs("one", 1, "--nproc", "1")));
    assert.equal(one.code, 0, one.stderr);
    const a = weights(path.join(tmp, "plain", "last.safetensors"));
    const b = weights(path.join(tmp, "one", "last.safetensors"));
    assert.equal(Math.max(...a.map((t, i) => maxAbsDiff(t, b[i]!))), 0);
    // The same messages, but for the clock and the directory's name.
    const same = (t: string, run: string) => t.replace(/\d+:\d+, \d+ beats\/s/g, "T").replaceAll(run, "RUN");
    assert.equal(same(one.stderr, "one"), same(plain.stderr, "plain"));

    const two = await ended(spawnEcg(trainArgs("two", 1, "--nproc", "2")));
    assert.equal(two.code, 0, two.stderr);
    const config = JSON.parse(readFileSync(path.join(tmp, "two", "config.json"), "utf8")) as {
      processes: number;
      batch: number;
    };
    assert.equal(config.processes, 2);
    assert.equal(config.batch, 64, "the global batch");
    assert.deepEqual(epochsIn("two"), [1]);
    // One run directory, written once: rank 0 alone says what it does.
    assert.equal(two.stderr.match(/^training compact/gm)?.length, 1, two.stderr);
  });

  test("Ctrl-C stops every worker at the same batch (exit 130); --resume with another process count finishes", async () => {
    if (!existsSync(path.join(data, "mitbih_train.csv"))) makeTrainData(data);
    const args = trainArgs("interrupted", 4, "--nproc", "2");
    const launcher = spawnEcg(args);
    const done = ended(launcher);
    await until("epoch 1", () => epochsIn("interrupted").length >= 1, 120);
    const workers = [0, 1].map((rank) => childWithRank(launcher.pid!, rank));
    launcher.kill("SIGINT");
    const r = await done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /stopped: \d complete epoch\(s\)/);
    for (const pid of workers) assert.throws(() => process.kill(pid!, 0), "the worker is gone");
    const stoppedAt = epochsIn("interrupted").length;
    assert.ok(stoppedAt < 4);

    const resumed = await ended(spawnEcg([...trainArgs("interrupted", 4), "--resume"]));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(epochsIn("interrupted"), [1, 2, 3, 4]);
    assert.match(resumed.stderr, new RegExp(`1 threads, cpu; resuming at epoch ${stoppedAt + 1}`));
  });

  test("usage errors before any worker starts: a global batch the processes do not divide, --adversary", async () => {
    const r = await ended(spawnEcg(trainArgs("odd", 1, "--nproc", "2", "--batch", "63")));
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(
      r.stderr,
      /--batch 63 is the global batch and must be divisible by the number of processes \(2\)/,
    );
    // The subject-adversarial head is not data-parallel: refused before any worker starts.
    const adv = await ended(spawnEcg(trainArgs("adv", 1, "--nproc", "2", "--adversary", "0.1")));
    assert.equal(adv.code, 2);
    assert.equal(adv.stderr.trim().split("\n").length, 1, adv.stderr);
    assert.match(adv.stderr, /--adversary trains in one process/);
  });
});

describe("a worker started on its own (torchrun's environment)", { skip }, () => {
  test("its peer killed: it exits non-zero within 60 s, naming the rank that is gone", async () => {
    if (!existsSync(path.join(data, "mitbih_train.csv"))) makeTrainData(data);
    const port = await freePort();
    const args = trainArgs("alone", 5, "--dist-timeout", "30");
    const rank0 = spawnEcg(args, rankEnv(0, 2, port));
    const rank1 = spawnEcg(args, rankEnv(1, 2, port));
    const done0 = ended(rank0);
    const done1 = ended(rank1);
    await until("epoch 1", () => epochsIn("alone").length >= 1, 120);
    const killedAt = performance.now();
    rank1.kill("SIGKILL");
    const r = await done0;
    await done1;
    assert.ok((performance.now() - killedAt) / 1000 < 60);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split("\n");
    assert.match(
      lines.pop()!,
      /^ecg: error: rank 0: .* failed: .*; no answer from rank 1 \(it died, hangs, or cannot be reached\)$/,
    );
  });

  test("no master to reach: one line, after the timeout", async () => {
    const port = await freePort();
    const r = await ended(spawnEcg(trainArgs("nomaster", 1, "--dist-timeout", "2"), rankEnv(1, 2, port)));
    assert.equal(r.code, 1);
    assert.deepEqual(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^ecg: error: cannot reach the master at 127\\.0\\.0\\.1:${port}: `));
  });

  test("a worker that never comes: rank 0 gives up after the timeout, in one line", async () => {
    const port = await freePort();
    const r = await ended(spawnEcg(trainArgs("lonely", 1, "--dist-timeout", "2"), rankEnv(0, 2, port)));
    assert.equal(r.code, 1);
    assert.deepEqual(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(
      r.stderr,
      /^ecg: error: rank 0: not all 2 workers joined through 127\.0\.0\.1:\d+ within 2 s: /,
    );
  });
});
