// The hostile-input suite's runner: one case is one `ecg` command on a mutated input, run through
// bin/ecg.js with a time bound and a memory bound, and judged: a valid result (exit 0 and the
// case's check passes), a clean error (exit 1 or 2, ONE line on stderr naming the culprit), or a
// failure — a crash (a signal, a stack, "an unexpected error", a second line), a hang (past the
// time or the memory bound), a silent wrong answer (exit 0 but the check fails) or lost data (a
// protected file changed). A raw control character in anything a run prints (a hostile file's escape
// sequence reaching the terminal) is a crash too.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "./mitdb.js";

export const bin = path.join(repoRoot, "bin", "ecg.js");
const rssHook = path.join(repoRoot, "dist", "test", "helpers", "rss-report.js");

/** Peak memory one case may use, KiB (libtorch loaded and a whole record: about 0.5 GiB). */
export const MEMORY_BOUND_KIB = 1.5 * 1024 * 1024;
/** Wall time one case may take, ms (generous: the test machine is shared). */
export const TIME_BOUND_MS = 60_000;

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  maxRssKiB: number | undefined;
  timedOut: boolean;
}

export interface HostileCase {
  /** Family/what, e.g. "header/fs=Infinity". */
  name: string;
  args: string[];
  /** What a clean error must name (a file name, "record 100", a tensor): a substring of its line. */
  names: string;
  /** "error": must be refused; "ok": must succeed; "either": a valid result or a clean error. */
  expect: "error" | "ok" | "either";
  /** For exit 0: undefined when the result is valid, else what is wrong with it. */
  check?: (r: RunResult) => string | undefined;
  /** Files that must be byte-identical after the run (the inputs, anything the user owns). */
  protect?: string[];
  /** Extra environment. */
  env?: Record<string, string>;
  /** Feeds stdin and/or acts on the running child (EPIPE, Ctrl-C scenarios). */
  drive?: (child: import("node:child_process").ChildProcess) => void;
  timeoutMs?: number;
  cwd?: string;
  /** Only in the slow set (ECG_HOSTILE_SLOW=1). */
  slow?: boolean;
  /** Runs the command under this address-space limit (ulimit -v, KiB), as a constrained machine would. */
  addressSpaceKiB?: number;
  /** The case sends Ctrl-C: it must end with 130 (or, in the middle of synchronous work, by SIGINT itself, which a shell reports as 130), one line. */
  interrupt?: boolean;
}

export type Outcome = "valid" | "clean-error" | "crash" | "hang" | "silent-wrong" | "data-lost";

export interface Verdict {
  outcome: Outcome;
  detail: string;
  result: RunResult;
}

const hashOf = (file: string): string =>
  existsSync(file) ? createHash("sha256").update(readFileSync(file)).digest("hex") : "(missing)";

/** The resident memory of a live process, KiB (Linux /proc; undefined elsewhere or once it is gone). */
function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `node bin/ecg.js ...args` with the memory hook and a time bound; a run whose memory passes
 * twice the bound is stopped at once (the bound that counts is the peak the hook reports).
 */
export function runEcg(c: HostileCase): Promise<RunResult> {
  const rssFile = path.join(os.tmpdir(), `ecg-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const started = performance.now();
  return new Promise((resolve) => {
    const argv = [process.execPath, "--import", rssHook, bin, ...c.args];
    const [command, ...rest] =
      c.addressSpaceKiB === undefined
        ? argv
        : ["/bin/sh", "-c", `ulimit -v ${c.addressSpaceKiB} && exec "$0" "$@"`, ...argv];
    const child = spawn(command!, rest, {
      cwd: c.cwd ?? repoRoot,
      env: { ...process.env, ...c.env, ECG_RSS_FILE: rssFile },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      if (stdout.length < 4_000_000) stdout += d;
    });
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      if (stderr.length < 100_000) stderr += d;
    });
    child.stdout!.on("error", () => undefined);
    child.stdin!.on("error", () => undefined);
    if (c.drive) c.drive(child);
    else child.stdin!.end();
    let timedOut = false;
    let polledKiB = 0;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, c.timeoutMs ?? TIME_BOUND_MS);
    const watch = setInterval(() => {
      polledKiB = Math.max(polledKiB, rssOf(child.pid!) ?? 0);
      if (polledKiB > 2 * MEMORY_BOUND_KIB) child.kill("SIGKILL");
    }, 50);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      let maxRssKiB: number | undefined = polledKiB > 2 * MEMORY_BOUND_KIB ? polledKiB : undefined;
      if (existsSync(rssFile)) {
        maxRssKiB = Math.max(polledKiB, Number(readFileSync(rssFile, "utf8")));
        rmSync(rssFile, { force: true });
      }
      resolve({ status, signal, stdout, stderr, ms: performance.now() - started, maxRssKiB, timedOut });
    });
  });
}

/** What a terminal acts on (tab and newline apart); printed text has them escaped (src/cli/output.ts). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it finds
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Runs one case and judges it. */
export async function judge(c: HostileCase): Promise<Verdict> {
  const before = new Map((c.protect ?? []).map((f) => [f, hashOf(f)]));
  const r = await runEcg(c);
  const lost = [...before].filter(([f, h]) => hashOf(f) !== h).map(([f]) => path.basename(f));
  const v = (outcome: Outcome, detail: string): Verdict => ({ outcome, detail, result: r });
  if (lost.length > 0) return v("data-lost", `changed: ${lost.join(", ")}`);
  if (r.timedOut) return v("hang", `no end within ${c.timeoutMs ?? TIME_BOUND_MS} ms`);
  if (r.maxRssKiB !== undefined && r.maxRssKiB > MEMORY_BOUND_KIB)
    return v("hang", `peak memory ${(r.maxRssKiB / 1024).toFixed(0)} MiB`);
  const raw = RAW_CONTROL.exec(r.stdout + r.stderr);
  if (raw)
    return v(
      "crash",
      `a raw control character (U+${raw[0].charCodeAt(0).toString(16).padStart(4, "0")}) printed`,
    );
  const lines = r.stderr.trimEnd().split("\n");
  const errorLines = lines.filter((l) => l.startsWith("ecg: "));
  if (c.interrupt) {
    const wrong = c.check?.(r);
    if (wrong !== undefined) return v("data-lost", wrong);
    if (r.signal === "SIGINT") return v("clean-error", "killed by SIGINT (a shell reports 130)");
    if (r.status === 130 && errorLines.length === 1) return v("clean-error", errorLines[0]!);
    return v("crash", `Ctrl-C ended with ${r.status ?? r.signal}: ${r.stderr.slice(0, 300)}`);
  }
  if (r.signal !== null) return v("crash", `killed by ${r.signal}: ${r.stderr.slice(0, 300)}`);
  if (/unexpected error|^\s+at /m.test(r.stderr) || /out of memory/.test(r.stderr))
    return v("crash", r.stderr.slice(0, 300));
  if (r.status === 0) {
    if (c.expect === "error")
      return v("silent-wrong", `exit 0, a refusal expected: ${r.stdout.slice(0, 200)}`);
    const wrong = c.check?.(r);
    return wrong === undefined ? v("valid", "") : v("silent-wrong", wrong);
  }
  if (r.status === 1 || r.status === 2) {
    if (c.expect === "ok") return v("crash", `refused a valid input: ${r.stderr.slice(0, 300)}`);
    // Warnings may precede it; the refusal itself is one line, and the last.
    const warnings = lines.slice(0, -1).every((l) => l.startsWith("warning: ") || l.startsWith("note: "));
    if (errorLines.length !== 1 || !warnings || !lines.at(-1)!.startsWith("ecg: "))
      return v("crash", `not one line: ${r.stderr.slice(0, 300)}`);
    if (!lines.at(-1)!.includes(c.names))
      return v("crash", `the error does not name '${c.names}': ${lines.at(-1)}`);
    return v("clean-error", lines.at(-1)!);
  }
  return v("crash", `exit ${r.status}: ${r.stderr.slice(0, 300)}`);
}

export interface Tally {
  tried: number;
  "clean-error": number;
  valid: number;
  crash: number;
  hang: number;
  "silent-wrong": number;
  "data-lost": number;
  failures: string[];
}

export function emptyTally(): Tally {
  return {
    tried: 0,
    "clean-error": 0,
    valid: 0,
    crash: 0,
    hang: 0,
    "silent-wrong": 0,
    "data-lost": 0,
    failures: [],
  };
}

export function count(t: Tally, c: HostileCase, v: Verdict): void {
  t.tried++;
  t[v.outcome]++;
  if (v.outcome !== "valid" && v.outcome !== "clean-error")
    t.failures.push(`${c.name}: ${v.outcome}: ${v.detail}`);
}

export function formatTally(label: string, t: Tally): string {
  return (
    `${label}: tried ${t.tried}, clean error ${t["clean-error"]}, valid result ${t.valid}, ` +
    `crashes ${t.crash}, hangs ${t.hang}, silent-wrong ${t["silent-wrong"]}, data-lost ${t["data-lost"]}`
  );
}
