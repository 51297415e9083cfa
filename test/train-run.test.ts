// Run directories are owned: `ecg train` refuses a directory holding a run unless --resume or
// --overwrite; a lock stops a second process (a dead one's is taken over); --resume takes its settings
// from config.json and changes them only through --override, recorded; kills at the moments that used
// to lose metric lines leave a log --resume makes consistent; Ctrl-C exits 130. Real MIT-BIH beats,
// tiny runs (--limit-beats 300, one thread).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { readCheckpointInfo } from "../src/models/checkpoint.js";
import { RunDirError } from "../src/run-dir/errors.js";
import type { TrainOptions } from "../src/train/options.js";
import { trainRun } from "../src/train/train-run.js";
import { engineSkip } from "./helpers/engine.js";
import { mitdbSkip, repoRoot } from "./helpers/mitdb.js";
import { makeTrainData, tinyRunOptions } from "./helpers/train-data.js";

const tmp = mkdtempSync(path.join(tmpdir(), "ecg-train-run-"));
const dataDir = path.join(tmp, "data");
before(() => {
  if (!engineSkip && !mitdbSkip) makeTrainData(dataDir, { test: true });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function options(out: string, extra: Partial<TrainOptions> = {}): TrainOptions {
  return tinyRunOptions(dataDir, path.join(tmp, out), { limitBeats: 300, ...extra });
}

const resumeOf = (out: string, extra: Partial<TrainOptions> = {}) => options(out, { ...extra, resume: true });
const nothingGiven = new Set<never>();

function epochsIn(dir: string): number[] {
  return readFileSync(path.join(tmp, dir, "metrics.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l).epoch);
}

function provenanceOf(
  dir: string,
  file: string,
): { epochs: number; loop?: { epoch: number; bestEpoch: number } } {
  return readCheckpointInfo(path.join(tmp, dir, file)).provenance as {
    epochs: number;
    loop?: { epoch: number; bestEpoch: number };
  };
}

/** A pid that is certainly not running: a child that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid!;
}

function snapshot(dir: string): string {
  return readdirSync(dir)
    .sort()
    .map((f) => `${f}:${statSync(path.join(dir, f)).mtimeMs}:${statSync(path.join(dir, f)).size}`)
    .join("\n");
}

const ecgBin = path.join(repoRoot, "bin", "ecg.js");
function ecg(...args: string[]) {
  return spawnSync(process.execPath, [ecgBin, ...args], { encoding: "utf8", cwd: tmp });
}

/** Trains in a child process that SIGKILLs itself right after `what` of `epoch` is committed. */
function killedTraining(opts: TrainOptions, what: "metrics" | "last" | "best", epoch: number): void {
  const child = path.join(repoRoot, "dist", "test", "helpers", "train-child.js");
  const r = spawnSync(process.execPath, [child, JSON.stringify({ options: opts, killAt: { what, epoch } })], {
    encoding: "utf8",
  });
  assert.equal(r.signal, "SIGKILL", `the child was to kill itself: ${r.stderr}`);
}

describe("run ownership", { skip: engineSkip || mitdbSkip }, () => {
  test("a directory holding a run is refused; --overwrite removes the run's files and nothing else", async () => {
    const dir = path.join(tmp, "owned");
    const first = await trainRun({ options: options("owned") });
    assert.ok(first.test, "scored on the test side");
    assert.ok(existsSync(path.join(dir, "test-eval.json")));
    assert.ok(!existsSync(path.join(dir, "train.lock")), "the lock is gone after the run");
    const before = snapshot(dir);
    await assert.rejects(
      trainRun({ options: options("owned") }),
      (e: unknown) =>
        e instanceof RunDirError &&
        /owned: holds a run \(config\.json, metrics\.jsonl, test-eval\.json, misclassified\.json, best\.safetensors, last\.safetensors\): continue it with --resume, or start afresh with --overwrite/.test(
          e.message,
        ),
    );
    assert.equal(snapshot(dir), before, "a refusal leaves the directory as it was");
    await assert.rejects(
      trainRun({ options: options("owned", { resume: true, overwrite: true }) }),
      /give one of them/,
    );

    writeFileSync(path.join(dir, "notes.txt"), "mine");
    writeFileSync(path.join(dir, "report.html"), "<p>the old run's report</p>");
    const notes: string[] = [];
    const again = await trainRun(
      { options: options("owned", { overwrite: true, epochs: 1 }), test: false },
      { onNote: (n) => notes.push(n) },
    );
    assert.equal(again.training.epochsDone, 1);
    assert.equal(readFileSync(path.join(dir, "notes.txt"), "utf8"), "mine", "not a run file: kept");
    for (const gone of ["report.html", "test-eval.json", "misclassified.json"])
      assert.ok(!existsSync(path.join(dir, gone)), `${gone}: the previous run's, removed`);
    assert.deepEqual(epochsIn("owned"), [1]);
    assert.equal(JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")).epochs, 1);
    assert.ok(
      notes.some((n) => /--overwrite: removed the previous run \(config\.json, /.test(n)),
      notes.join("\n"),
    );
  });

  test("--resume needs a run: a missing directory or one without config.json is an error", async () => {
    await assert.rejects(
      trainRun({ options: resumeOf("nowhere") }),
      /nowhere: no such run directory to resume/,
    );
    mkdirSync(path.join(tmp, "empty"));
    await assert.rejects(
      trainRun({ options: resumeOf("empty") }),
      /config\.json: missing: this directory holds no run to resume/,
    );
    assert.deepEqual(readdirSync(path.join(tmp, "empty")), [], "nothing written into it");
  });

  test("a live lock refuses a second training; a dead process's lock and temporary files are taken over", async () => {
    await trainRun({ options: options("locked", { epochs: 1 }), test: false });
    const dir = path.join(tmp, "locked");
    const lock = path.join(dir, "train.lock");
    const live = { pid: process.ppid, host: hostname(), startedAt: "2025-01-01T00:00:00.000Z" };
    writeFileSync(lock, JSON.stringify(live));
    await assert.rejects(
      trainRun({ options: resumeOf("locked"), given: nothingGiven }),
      new RegExp(
        `train\\.lock: another training \\(process ${process.ppid}, since 2025-01-01T00:00:00\\.000Z\\) is writing this run`,
      ),
    );
    assert.deepEqual(JSON.parse(readFileSync(lock, "utf8")), live, "the owner's lock is left alone");
    writeFileSync(lock, JSON.stringify({ ...live, host: "elsewhere" }));
    await assert.rejects(
      trainRun({ options: resumeOf("locked"), given: nothingGiven }),
      /locked by process \d+ on elsewhere/,
    );

    const dead = deadPid();
    writeFileSync(lock, JSON.stringify({ ...live, pid: dead }));
    writeFileSync(path.join(dir, `.metrics.jsonl.tmp-${dead}`), '{"epoch":1,"tra');
    writeFileSync(path.join(dir, `.notes.txt.tmp-${dead}`), "not a run file");
    writeFileSync(path.join(dir, `.config.json.tmp-${process.ppid}`), "a live writer's");
    const notes: string[] = [];
    const r = await trainRun(
      {
        options: resumeOf("locked", { epochs: 2 }),
        given: new Set(["epochs"]),
        override: new Set(["epochs"]),
        test: false,
      },
      { onNote: (n) => notes.push(n) },
    );
    assert.equal(r.training.epochsDone, 2);
    assert.ok(
      notes.some((n) => n.includes(`took over the lock of process ${dead} (no longer running`)),
      notes.join("\n"),
    );
    assert.ok(
      notes.some((n) => n.includes(`.metrics.jsonl.tmp-${dead}`)),
      notes.join("\n"),
    );
    assert.ok(!existsSync(lock));
    assert.ok(!existsSync(path.join(dir, `.metrics.jsonl.tmp-${dead}`)));
    assert.ok(existsSync(path.join(dir, `.notes.txt.tmp-${dead}`)), "not a run file: kept");
    assert.ok(existsSync(path.join(dir, `.config.json.tmp-${process.ppid}`)), "a live process's: kept");
  });

  test("--resume takes config.json's settings; a different one needs --override, which is recorded", async () => {
    await trainRun({ options: options("settings") });
    const configFile = path.join(tmp, "settings", "config.json");
    const stored = JSON.parse(readFileSync(configFile, "utf8"));
    // Nothing given: every setting is the run's, whatever the defaults of this call say.
    const plain = await trainRun({
      options: resumeOf("settings", { lr: 0.5, seed: 9 }),
      given: nothingGiven,
    });
    assert.equal(plain.options.lr, 1e-3);
    assert.equal(plain.options.seed, 5);
    assert.equal(plain.training.epochsDone, 2, "complete: nothing more to train");
    assert.ok(plain.test, "a resumed complete run is scored again");

    const conflict = (extra: Partial<TrainOptions>, given: string[], override: string[] = []) =>
      trainRun({
        options: resumeOf("settings", extra),
        given: new Set(given as never[]),
        override: new Set(override as never[]),
      });
    await assert.rejects(
      conflict({ lr: 2e-3 }, ["lr"]),
      /--lr 0\.002 differs from the run's 0\.001 \(config\.json\); add --override lr to change it/,
    );
    await assert.rejects(
      conflict({ seed: 6 }, ["seed"]),
      /--seed 6 differs from the run's 5 \(config\.json\); it cannot change when a run is resumed/,
    );
    await assert.rejects(conflict({ seed: 6 }, ["seed"], ["seed"]), /--override seed: --seed cannot change/);
    await assert.rejects(conflict({}, [], ["lr"]), /--override lr needs --lr with the new value/);
    assert.deepEqual(JSON.parse(readFileSync(configFile, "utf8")), stored, "refusals change nothing");

    // The same value given again is no conflict; a changed epochs with --override continues the run.
    const longer = await trainRun({
      options: resumeOf("settings", { epochs: 3, lr: 1e-3 }),
      given: new Set(["epochs", "lr"]),
      override: new Set(["epochs"]),
      test: false,
    });
    assert.equal(longer.training.epochsDone, 3);
    assert.deepEqual(epochsIn("settings"), [1, 2, 3]);
    const config = JSON.parse(readFileSync(configFile, "utf8"));
    assert.equal(config.epochs, 3);
    assert.equal(config.startedAt, stored.startedAt);
    assert.equal(config.overrides.length, 1);
    assert.deepEqual(config.overrides[0].changes, { epochs: { from: 2, to: 3 } });
    assert.equal(config.overrides[0].epoch, 2);
    // The previous evaluation belonged to the epoch-2 best checkpoint: gone once the run went on unscored.
    assert.ok(!existsSync(path.join(tmp, "settings", "test-eval.json")));
    assert.ok(!existsSync(path.join(tmp, "settings", "misclassified.json")));
  });
});

describe("resuming on other data", { skip: engineSkip || mitdbSkip }, () => {
  test("a training side that changed since the run started is refused, naming config.json", async () => {
    const data = path.join(tmp, "data-changing");
    mkdirSync(data);
    const csv = readFileSync(path.join(dataDir, "mitbih_train.csv"), "utf8").split("\n");
    writeFileSync(path.join(data, "mitbih_train.csv"), csv.join("\n"));
    const opts = options("changing", { dataDir: data, epochs: 1, limitBeats: 0 });
    await trainRun({ options: opts, test: false });
    writeFileSync(path.join(data, "mitbih_train.csv"), csv.slice(40).join("\n"));
    const before = snapshot(path.join(tmp, "changing"));
    await assert.rejects(
      trainRun({
        options: { ...opts, epochs: 2, resume: true },
        given: new Set(["epochs"]),
        override: new Set(["epochs"]),
      }),
      /changing\/config\.json: the training data changed since the run started \(train [\d/]+, val [\d/]+ then, train [\d/]+, val [\d/]+ now in .*data-changing\)/,
    );
    assert.equal(snapshot(path.join(tmp, "changing")), before, "refused before the directory was touched");
  });
});

describe("kills during training leave a log that --resume makes consistent", {
  skip: engineSkip || mitdbSkip,
}, () => {
  test("a kill after an epoch's metrics line, before its checkpoint: the line is dropped, then written again", async () => {
    const opts = options("kill-metrics", { epochs: 3 });
    killedTraining(opts, "metrics", 2);
    assert.deepEqual(epochsIn("kill-metrics"), [1, 2], "the line was durable before the checkpoint");
    assert.equal(provenanceOf("kill-metrics", "last.safetensors").loop?.epoch, 1);
    const notes: string[] = [];
    const r = await trainRun(
      { options: { ...opts, resume: true }, test: false },
      { onNote: (n) => notes.push(n) },
    );
    assert.equal(r.training.epochsDone, 3);
    assert.deepEqual(epochsIn("kill-metrics"), [1, 2, 3]);
    assert.ok(
      notes.some((n) => /1 line\(s\) past the last checkpoint dropped/.test(n)),
      notes.join("\n"),
    );
  });

  test("a kill after the last checkpoint, before the best one: the best is written back from the last", async () => {
    // Epoch 1 is always the best so far: killed before its best checkpoint, the run has none.
    const opts = options("kill-last", { epochs: 2 });
    killedTraining(opts, "last", 1);
    assert.equal(provenanceOf("kill-last", "last.safetensors").loop?.epoch, 1);
    assert.ok(!existsSync(path.join(tmp, "kill-last", "best.safetensors")));
    const notes: string[] = [];
    await trainRun({ options: { ...opts, resume: true }, test: false }, { onNote: (n) => notes.push(n) });
    assert.ok(
      notes.some((n) => /best\.safetensors rewritten from epoch 1/.test(n)),
      notes.join("\n"),
    );
    assert.deepEqual(epochsIn("kill-last"), [1, 2]);
    const end = provenanceOf("kill-last", "last.safetensors").loop!;
    assert.equal(
      provenanceOf("kill-last", "best.safetensors").epochs,
      end.bestEpoch,
      "best is the loop's best",
    );
  });

  test("a kill during the log's rewrite, a torn last line, a gap: consistent or refused, never silently wrong", async () => {
    const opts = options("kill-rewrite", { epochs: 1 });
    await trainRun({ options: opts, test: false });
    const dir = path.join(tmp, "kill-rewrite");
    const log = path.join(dir, "metrics.jsonl");
    const line1 = readFileSync(log, "utf8");
    // What a kill leaves: a line past the checkpoint, a torn line after it, and (killed during the
    // atomic rewrite) the temporary file of the rewrite; the log itself is whole.
    const dead = deadPid();
    const past = line1.replace('"epoch":1', '"epoch":2');
    writeFileSync(log, `${line1}${past}{"epoch":3,"trainL`);
    writeFileSync(path.join(dir, `.metrics.jsonl.tmp-${dead}`), line1.slice(0, 20));
    const r = await trainRun({
      options: { ...opts, epochs: 2, resume: true },
      given: new Set(["epochs"]),
      override: new Set(["epochs"]),
      test: false,
    });
    assert.equal(r.training.epochsDone, 2);
    assert.deepEqual(epochsIn("kill-rewrite"), [1, 2]);
    assert.ok(readFileSync(log, "utf8").endsWith("\n"));
    assert.ok(!existsSync(path.join(dir, `.metrics.jsonl.tmp-${dead}`)));
    const lines = readFileSync(log, "utf8").trim().split("\n");

    // A log that lost a line (the old `[1, 3, 4]`) or was emptied cannot be rebuilt: refused, naming it.
    writeFileSync(log, `${lines[0]}\n`);
    await assert.rejects(
      trainRun({ options: { ...opts, epochs: 2, resume: true }, given: nothingGiven, test: false }),
      /metrics\.jsonl: holds 1 epoch\(s\) but the last checkpoint is at epoch 2: the log is damaged/,
    );
    writeFileSync(log, `${lines[1]}\n`);
    await assert.rejects(
      trainRun({ options: { ...opts, epochs: 2, resume: true }, given: nothingGiven, test: false }),
      /metrics\.jsonl: holds epochs \[2\] but the last checkpoint is at epoch 2/,
    );
  });
});

describe("ecg train on the command line", { skip: engineSkip || mitdbSkip }, () => {
  const common = [
    "--data",
    "data",
    "--limit-beats",
    "300",
    "--batch",
    "32",
    "--val-fraction",
    "0.2",
    "--threads",
    "1",
  ];

  test("Ctrl-C stops after the batch and exits 130; the last complete checkpoint stays intact", async () => {
    const child = spawn(
      process.execPath,
      [ecgBin, "train", ...common, "--epochs", "500", "--out", "ctrl-c", "--no-test"],
      { cwd: tmp },
    );
    let stderr = "";
    let secondStatus: number | null = null;
    let secondError = "";
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        if (/epoch 2:/.test(stderr) && !child.killed) {
          // A second training into the same directory, meanwhile, is refused by the lock.
          const second = ecg("train", ...common, "--epochs", "1", "--out", "ctrl-c", "--no-test");
          secondStatus = second.status;
          secondError = second.stderr;
          child.kill("SIGINT");
        }
      });
      child.on("exit", (c) => resolve(c));
    });
    assert.equal(code, 130, stderr);
    assert.equal(secondStatus, 1, secondError);
    assert.match(
      secondError,
      /^ecg: error: ctrl-c\/train\.lock: another training \(process \d+, since .*\) is writing this run/,
    );
    const last = stderr.trim().split("\n").at(-1)!;
    const m = /^ecg: stopped: (\d+) complete epoch\(s\) in ctrl-c; continue with --resume$/.exec(last);
    assert.ok(m, last);
    const done = Number(m[1]);
    assert.ok(done >= 2);
    assert.equal(provenanceOf("ctrl-c", "last.safetensors").loop?.epoch, done);
    assert.deepEqual(
      epochsIn("ctrl-c"),
      Array.from({ length: done }, (_, i) => i + 1),
    );
    assert.ok(!existsSync(path.join(tmp, "ctrl-c", "train.lock")));
  });

  test("a stop asked for during the last epoch's validation skips the test evaluation", async () => {
    let stop = false;
    const r = await trainRun(
      { options: options("late-stop", { epochs: 1 }) },
      { onEpoch: () => (stop = true), shouldStop: () => stop },
    );
    assert.equal(r.training.epochsDone, 1);
    assert.equal(r.test, undefined);
    assert.ok(!existsSync(path.join(tmp, "late-stop", "test-eval.json")));
    // --resume of the complete run does what was skipped.
    const resumed = await trainRun({ options: resumeOf("late-stop"), given: nothingGiven });
    assert.ok(resumed.test);
    assert.ok(existsSync(path.join(tmp, "late-stop", "test-eval.json")));
  });

  test("usage errors exit 2 with one line; a garbled test file is refused before training", () => {
    const lines = (r: { stderr: string }) => r.stderr.trim().split("\n");
    const noOut = ecg("train", "--resume");
    assert.equal(noOut.status, 2);
    assert.match(noOut.stderr, /--resume needs --out/);
    const stray = ecg("train", ...common, "--override", "lr", "--out", "x");
    assert.equal(stray.status, 2);
    assert.match(stray.stderr, /--override only applies to --resume/);
    const unknown = ecg("train", "--out", "owned", "--resume", "--override", "colour");
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /--override colour: no such option/);
    const conflict = ecg("train", "--out", "owned", "--resume", "--epochs", "9");
    assert.equal(conflict.status, 2);
    assert.equal(lines(conflict).length, 1);
    assert.match(
      conflict.stderr,
      /--epochs 9 differs from the run's 1 \(config\.json\); add --override epochs/,
    );

    const garbled = path.join(tmp, "garbled");
    mkdirSync(garbled);
    writeFileSync(
      path.join(garbled, "mitbih_train.csv"),
      readFileSync(path.join(dataDir, "mitbih_train.csv")),
    );
    writeFileSync(path.join(garbled, "mitbih_test.csv"), "0.5,oops,0.1\n");
    const bad = ecg("train", ...common.slice(2), "--data", "garbled", "--out", "never", "--epochs", "1");
    assert.equal(bad.status, 1);
    assert.equal(lines(bad).length, 1, bad.stderr);
    assert.match(bad.stderr, /garbled\/mitbih_test\.csv: line 1: column 2: not a number: 'oops'/);
    assert.ok(!existsSync(path.join(tmp, "never")), "refused before anything was made");

    const help = ecg("train", "--help");
    assert.equal(help.status, 0);
    for (const flag of ["--overwrite", "--override", "--max-steps", "--limit-beats"])
      assert.match(help.stdout, new RegExp(flag));
    assert.match(help.stdout, /ecg train --out runs\/compact-kaggle --resume --epochs 30 --override epochs/);
  });

  test("a test file malformed past its first line is an error naming it, after the run is saved", () => {
    const late = path.join(tmp, "late");
    mkdirSync(late);
    writeFileSync(path.join(late, "mitbih_train.csv"), readFileSync(path.join(dataDir, "mitbih_train.csv")));
    const test = readFileSync(path.join(dataDir, "mitbih_test.csv"), "utf8").split("\n");
    test[3] = test[3]!.replace(/,[^,]*$/, ",x");
    writeFileSync(path.join(late, "mitbih_test.csv"), test.join("\n"));
    const r = ecg("train", ...common.slice(2), "--data", "late", "--out", "late-run", "--epochs", "1");
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr.trim().split("\n").at(-1)!,
      /late\/mitbih_test\.csv: line 4: column 188: not a number: 'x'/,
    );
    assert.ok(existsSync(path.join(tmp, "late-run", "best.safetensors")), "the training is saved");
    assert.ok(!existsSync(path.join(tmp, "late-run", "test-eval.json")));
  });
});
