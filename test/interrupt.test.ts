// Ctrl-C as every command takes it (src/interrupt.ts): the first asks the work to stop, a second quits
// at once with one line and exit 130, a launched worker's stop lines count as Ctrl-Cs; and
// `ecg classify --follow`, stopped, prints what it decided and ends with one line, exit 130.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { engineSkip } from "./helpers/engine.js";
import { repoRoot } from "./helpers/mitdb.js";

const helper = path.join(repoRoot, "dist", "src", "interrupt.js");

/** A process that listens for Ctrl-C (and, with `lines`, its stdin) and says when a stop is asked. */
function listener(lines: boolean): ChildProcess {
  const script = `
    const { listenForInterrupt } = await import(${JSON.stringify(helper)});
    const stop = listenForInterrupt({ onFirst: () => console.log("stop asked"), ${lines ? "lines: process.stdin" : ""} });
    setInterval(() => {}, 1000);
    console.log("listening");
    await new Promise((resolve) => stop.signal.addEventListener("abort", resolve));
    console.log("aborted");`;
  return spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["pipe", "pipe", "pipe"] });
}

function collect(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, out, err })));
}

async function until(child: ChildProcess, text: string): Promise<void> {
  let seen = "";
  await new Promise<void>((resolve) => {
    child.stdout!.on("data", (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) resolve();
    });
  });
}

test("the first Ctrl-C asks to stop; a second quits at once, exit 130, one line", async () => {
  const child = listener(false);
  const done = collect(child);
  await until(child, "listening");
  child.kill("SIGINT");
  await until(child, "aborted");
  child.kill("SIGINT");
  const r = await done;
  assert.equal(r.code, 130, r.err);
  assert.match(r.out, /stop asked\naborted/);
  const lines = r.err.trim().split("\n");
  assert.deepEqual(lines, ["ecg: stopped: interrupted again: quit at once"]);
});

test("a launched worker's stop line is its Ctrl-C", async () => {
  const child = listener(true);
  const done = collect(child);
  await until(child, "listening");
  child.stdin!.write("stop\n");
  await until(child, "aborted");
  child.stdin!.write("stop\n");
  const r = await done;
  assert.equal(r.code, 130, r.err);
  assert.match(r.out, /stop asked/);
});

test("classify --follow stopped by Ctrl-C: the beats so far, then one line, exit 130", {
  skip: engineSkip,
}, async () => {
  const model = path.join(repoRoot, "models", "compact-kaggle.safetensors");
  const child = spawn(
    process.execPath,
    [
      path.join(repoRoot, "bin", "ecg.js"),
      "classify",
      "--follow",
      "--record",
      "-",
      "--fs",
      "360",
      "--model",
      model,
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  const done = collect(child);
  child.stdin!.on("error", () => {});
  // A steady beat-like signal: an R peak every 0.8 s, fed faster than real time.
  const second = Array.from({ length: 360 }, (_, i) => (i % 288 < 4 ? 1.2 : 0.05).toFixed(2)).join("\n");
  for (let s = 0; s < 40; s++) {
    child.stdin!.write(`${second}\n`);
    await sleep(20);
  }
  await sleep(1500);
  child.kill("SIGINT");
  const r = await done;
  assert.equal(r.code, 130, r.err);
  assert.ok(r.out.startsWith("sample,"), r.out.slice(0, 100));
  const errors = r.err.split("\n").filter((l) => l.startsWith("ecg: "));
  assert.deepEqual(errors, ["ecg: stopped: interrupted; the beats so far are printed"]);
  assert.match(r.err, /stdin: \d+ beats/);
});
