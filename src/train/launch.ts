// Starts the workers of a data-parallel job on this host, as torchrun does: one process per local
// rank, each told its place by torchrun's environment variables (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), the rendezvous store served by the launcher of node 0
// (TORCHELASTIC_USE_AGENT_STORE, so the store outlives any worker). The launcher watches them: a
// worker that fails stops the others; Ctrl-C is passed on to every worker as a line on its standard
// input (STOP_LINE), not as a signal: a SIGINT lands on whichever thread of the worker the kernel
// picks, Gloo's and OpenMP's included, and a run of 40 Ctrl-Cs at random moments killed a worker
// twice with glibc's "corrupted size vs. prev_size"; stopped by a line, 0 of 80.
import { type ChildProcess, spawn } from "node:child_process";
import { DistributedError, Store, WORLD_ENV } from "../engine/index.js";

/** Set in every worker: the launcher's pid (a worker whose parent changed was orphaned). */
export const LAUNCHER_PID_ENV = "ECG_LAUNCHER_PID";
/** What the launcher writes on a worker's standard input for each Ctrl-C it gets. */
export const STOP_LINE = "stop\n";

/** A job's layout, as torchrun's options give it. */
export interface JobLayout {
  nprocPerNode: number;
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  /** Node 0 serves the store here (0: a free port, one host only); other nodes connect to it. */
  masterPort: number;
  /** How long the store, and every collective, waits for a worker (seconds). */
  timeoutSeconds: number;
}

export interface LaunchSpec extends JobLayout {
  /** The worker's command line (the same for every rank). */
  command: string;
  args: readonly string[];
  /** Extra environment for the workers. */
  env?: NodeJS.ProcessEnv;
  /** Capture rank 0's stdout (returned) instead of passing it through. */
  captureStdout?: boolean;
  /** Called once with every local worker's rank and pid, after they are started. */
  onStarted?(workers: { rank: number; pid: number }[]): void;
}

export interface WorkerExit {
  rank: number;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LaunchOutcome {
  exits: WorkerExit[];
  /** The worker blamed for the job's failure (undefined when every worker finished). */
  failed?: WorkerExit;
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM sent to the launcher. */
  interrupted: boolean;
  /** Rank 0's stdout, when captured. */
  stdout: string;
}

/** How long the launcher waits for more exits before it blames one worker, and before SIGKILL. */
const BLAME_WINDOW_MS = 1000;
const KILL_AFTER_MS = 10_000;

/** "rank 1 (pid 4242) was killed by SIGKILL" / "rank 0 (pid 4241) exited with code 1". */
export function describeExit(e: WorkerExit): string {
  return e.signal
    ? `rank ${e.rank} (pid ${e.pid}) was killed by ${e.signal}`
    : `rank ${e.rank} (pid ${e.pid}) exited with code ${e.code}`;
}

/**
 * Runs this node's workers to the end. Resolves when every one has exited: `failed` names the worker
 * that brought the job down (a worker killed by a signal before one that exited with an error, which
 * is usually the others noticing).
 */
export async function launchWorkers(spec: LaunchSpec): Promise<LaunchOutcome> {
  const worldSize = spec.nprocPerNode * spec.nnodes;
  // Node 0 serves the store; port 0 gets a free one, which the workers are then told.
  const store =
    spec.nodeRank === 0
      ? Store.tcp({
          host: spec.masterAddr,
          port: spec.masterPort,
          isServer: true,
          timeoutSeconds: spec.timeoutSeconds,
        })
      : undefined;
  const port = store?.port ?? spec.masterPort;
  const children: { rank: number; child: ChildProcess }[] = [];
  const exits: WorkerExit[] = [];
  let stdout = "";
  let interrupted = false;
  let failure: WorkerExit | undefined;
  const timers: NodeJS.Timeout[] = [];
  const stoppedHere = new Set<number>();

  const live = () => children.filter(({ child }) => child.exitCode === null && child.signalCode === null);
  /** A worker killed by a signal the launcher did not send. */
  const killedOutright = () => exits.find((x) => x.signal !== null && !stoppedHere.has(x.rank));
  const stopAll = () => {
    if (stoppedHere.size > 0) return;
    for (const { rank, child } of live()) {
      stoppedHere.add(rank);
      child.kill("SIGTERM");
    }
    timers.push(
      setTimeout(() => {
        for (const { child } of live()) child.kill("SIGKILL");
      }, KILL_AFTER_MS),
    );
  };
  // The workers have their own process group (detached), so the terminal's Ctrl-C reaches the
  // launcher only, and each worker hears it exactly once from here (twice: quit now), on its stdin.
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    for (const { rank, child } of live()) {
      stoppedHere.add(rank);
      if (signal === "SIGINT") child.stdin?.write(STOP_LINE);
      else child.kill(signal);
    }
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);

  try {
    await new Promise<void>((resolve, reject) => {
      for (let local = 0; local < spec.nprocPerNode; local++) {
        const rank = spec.nodeRank * spec.nprocPerNode + local;
        const capture = spec.captureStdout === true && rank === 0;
        const child = spawn(spec.command, [...spec.args], {
          detached: true,
          stdio: ["pipe", capture ? "pipe" : "inherit", "inherit"],
          env: {
            ...process.env,
            ...spec.env,
            [WORLD_ENV.rank]: String(rank),
            [WORLD_ENV.worldSize]: String(worldSize),
            [WORLD_ENV.localRank]: String(local),
            [WORLD_ENV.localWorldSize]: String(spec.nprocPerNode),
            GROUP_RANK: String(spec.nodeRank),
            [WORLD_ENV.masterAddr]: spec.masterAddr,
            [WORLD_ENV.masterPort]: String(port),
            [WORLD_ENV.agentStore]: "True",
            [LAUNCHER_PID_ENV]: String(process.pid),
          },
        });
        if (capture) child.stdout?.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
        // A worker that is gone cannot hear a stop line: nothing to report.
        child.stdin?.on("error", () => {});
        child.on("error", (e) => {
          stopAll();
          reject(new DistributedError(`cannot start worker rank ${rank}: ${e.message}`));
        });
        child.on("exit", (code, signal) => {
          const e: WorkerExit = { rank, pid: child.pid ?? -1, code, signal };
          exits.push(e);
          const normal = code === 0 || (interrupted && (code === 130 || stoppedHere.has(rank)));
          if (!normal && !failure) {
            failure = e;
            // Stop the others after a short window: a killed worker's peers fail right after it,
            // and their exits may be seen first (the blame goes to the killed one, below).
            timers.push(setTimeout(stopAll, BLAME_WINDOW_MS));
          }
          if (exits.length === children.length) resolve();
        });
        children.push({ rank, child });
      }
      spec.onStarted?.(children.map(({ rank, child }) => ({ rank, pid: child.pid ?? -1 })));
    });
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    for (const t of timers) clearTimeout(t);
  }
  const killed = killedOutright();
  if (failure && killed) failure = killed;
  return { exits, ...(failure ? { failed: failure } : {}), interrupted, stdout };
}
