// Hostile training runs for the hostile-input suite: a finished run whose last checkpoint is gone or
// damaged (a NaN or a negative average in the optimizer's state, a state for no parameter, a state
// of the wrong shape or kind) resumed with `ecg train --resume`, and data-parallel jobs that go wrong
// (a worker killed, a --master-addr that is no address, names no host or does not lead here). Each
// must end in ONE line naming the culprit, the run's files untouched.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from "../../src/nn/safetensors.js";
import { trainRun } from "../../src/train/train-run.js";
import type { HostileCase } from "./hostile.js";
import { makeTrainData, tinyRunOptions } from "./train-data.js";
import { childWithRank } from "./workers.js";

type Tensors = Map<string, SafeTensor>;

/** The files of a run a refusal must leave as they were. */
const RUN_FILES = ["config.json", "metrics.jsonl", "best.safetensors", "last.safetensors", "test-eval.json"];

function f32(t: Tensors, name: string): Float32Array {
  const e = t.get(name);
  if (e?.dtype !== "F32") throw new Error(`no F32 tensor ${name}`);
  return e.data;
}

function epochsIn(run: string): number[] {
  return readFileSync(path.join(run, "metrics.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => (JSON.parse(l) as { epoch: number }).epoch);
}

/**
 * The cases, over a tiny real run trained here (2 epochs of MIT-BIH beats, scored on a test side)
 * and copied once per case.
 */
export async function trainCases(dir: string): Promise<HostileCase[]> {
  const data = path.join(dir, "data");
  makeTrainData(data, { test: true });
  const base = path.join(dir, "base");
  await trainRun({ options: tinyRunOptions(data, base, { limitBeats: 300 }) });
  const cases: HostileCase[] = [];
  const resume = (run: string) => ["train", "--out", run, "--resume", "--no-test", "--threads", "1"];
  /** A copy of the run, changed by `damage`, resumed: refused, naming `names`, nothing changed. */
  const refused = (name: string, names: string, damage: (run: string) => void) => {
    const run = path.join(dir, name.replace(/[^a-z0-9]+/gi, "_"));
    cpSync(base, run, { recursive: true });
    damage(run);
    const protect = RUN_FILES.map((f) => path.join(run, f)).filter((f) => existsSync(f));
    cases.push({ name: `train/${name}`, args: resume(run), names, expect: "error", protect });
  };
  /** The last checkpoint's tensors, changed. */
  const lastTensors = (change: (t: Tensors) => void) => (run: string) => {
    const file = path.join(run, "last.safetensors");
    const { tensors, metadata } = decodeSafetensors(readFileSync(file));
    change(tensors);
    writeFileSync(file, encodeSafetensors(tensors, metadata));
  };

  refused("--resume, last.safetensors missing after 2 epochs", "last.safetensors", (run) =>
    rmSync(path.join(run, "last.safetensors")),
  );
  for (const [what, v] of [
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
  ] as const) {
    refused(
      `--resume, optimizer state ${what}`,
      "__optim__.0.exp_avg",
      lastTensors((t) => {
        f32(t, "__optim__.0.exp_avg")[3] = v;
      }),
    );
  }
  refused(
    "--resume, a negative squared-gradient average",
    "__optim__.5.exp_avg_sq",
    lastTensors((t) => {
      f32(t, "__optim__.5.exp_avg_sq")[0] = -1e-6;
    }),
  );
  refused(
    "--resume, optimizer state for no parameter",
    "999.exp_avg",
    lastTensors((t) => {
      t.set("__optim__.999.exp_avg", t.get("__optim__.0.exp_avg")!);
    }),
  );
  refused(
    "--resume, optimizer state of another shape",
    "0.exp_avg",
    lastTensors((t) => {
      t.set("__optim__.0.exp_avg", { dtype: "F32", shape: [2], data: new Float32Array(2) });
    }),
  );
  refused(
    "--resume, optimizer state of no known kind",
    "0.momentum",
    lastTensors((t) => {
      t.set("__optim__.0.momentum", t.get("__optim__.0.exp_avg")!);
    }),
  );
  refused("--resume, last.safetensors cut short", "last.safetensors", (run) => {
    const file = path.join(run, "last.safetensors");
    writeFileSync(file, readFileSync(file).subarray(0, 5000));
  });

  // Killed before its first epoch's checkpoint (one metrics line, no checkpoint): nothing is lost,
  // and --resume starts the run again.
  const fresh = path.join(dir, "before-first-commit");
  cpSync(base, fresh, { recursive: true });
  for (const f of ["last.safetensors", "best.safetensors", "test-eval.json", "misclassified.json"])
    rmSync(path.join(fresh, f), { force: true });
  writeFileSync(
    path.join(fresh, "metrics.jsonl"),
    readFileSync(path.join(fresh, "metrics.jsonl"), "utf8").split("\n")[0] + "\n",
  );
  cases.push({
    name: "train/--resume, killed before its first checkpoint",
    args: resume(fresh),
    names: "",
    expect: "ok",
    timeoutMs: 120_000,
    check: () => {
      const epochs = epochsIn(fresh).join(",");
      return epochs === "1,2" ? undefined : `metrics.jsonl holds epochs ${epochs}`;
    },
  });

  // Data-parallel jobs refused before any worker starts.
  const job = (out: string, ...more: string[]) => jobArgs(data, path.join(dir, out), ...more);
  const refusedJob = (what: string, addr: string) =>
    cases.push({
      name: `train/--nproc 2, --master-addr ${what}`,
      args: job(`addr-${what.replace(/\W+/g, "-")}`, "--epochs", "1", "--master-addr", addr),
      names: addr,
      expect: "error",
    });
  refusedJob("256.1.1.1 (no address)", "256.1.1.1");
  refusedJob("naming no host", "no-such-host.invalid");
  refusedJob("not this host", "192.0.2.1");
  return cases;
}

/** `ecg train` of two processes on the tiny data of trainCases (made in `dir`). */
function jobArgs(data: string, out: string, ...more: string[]): string[] {
  return [
    ...["train", "--data", data, "--limit-beats", "300", "--batch", "32", "--threads", "1", "--no-test"],
    ...["--out", out, "--nproc", "2", ...more],
  ];
}

/**
 * A data-parallel job whose rank 1 is killed after the first epoch (trainCases made the data in
 * `dir`): judged apart, since the training's progress lines come before its one error line.
 */
export function killedWorkerCase(dir: string): HostileCase {
  const out = path.join(dir, "killed");
  return {
    name: "train/--nproc 2, a worker killed",
    args: jobArgs(path.join(dir, "data"), out, "--epochs", "200", "--dist-timeout", "30"),
    names: "rank 1",
    expect: "error",
    timeoutMs: 180_000,
    drive: (child) => {
      void (async () => {
        const log = path.join(out, "metrics.jsonl");
        while (!(existsSync(log) && readFileSync(log, "utf8").includes('"epoch"'))) await sleep(200);
        const victim = childWithRank(child.pid!, 1);
        if (victim) process.kill(victim, "SIGKILL");
      })();
    },
  };
}
