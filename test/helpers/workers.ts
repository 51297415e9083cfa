// Processes for the distributed tests: a free TCP port, torchrun's environment for one rank, and a
// child process's end (exit code, stderr, seconds) as a promise.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { repoRoot } from "./mitdb.js";

export const ecgBin = path.join(repoRoot, "bin", "ecg.js");

/** A port nothing listens on right now (the system's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** torchrun's variables for rank `rank` of `worldSize` processes on this host. */
export function rankEnv(rank: number, worldSize: number, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    RANK: String(rank),
    WORLD_SIZE: String(worldSize),
    LOCAL_RANK: String(rank),
    LOCAL_WORLD_SIZE: String(worldSize),
    MASTER_ADDR: "127.0.0.1",
    MASTER_PORT: String(port),
  };
}

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Seconds from `since` (default: the call) to the exit. */
  seconds: number;
}

/** Collects a child's output and resolves when it exits. */
export function ended(child: ChildProcess, since = performance.now()): Promise<Ended> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      resolve({ code, signal, stdout, stderr, seconds: (performance.now() - since) / 1000 });
    });
  });
}

/** `node bin/ecg.js args…` with env, output piped. */
export function spawnEcg(args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, [ecgBin, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
}

/** The children of pid whose environment has RANK=rank (Linux /proc). */
export function childWithRank(pid: number, rank: number): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== pid) continue;
      const env = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (env.includes(`RANK=${rank}`)) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  return undefined;
}
