// Starts the workers of a data-parallel job on this host, as torchrun does: one process per local
// rank, each told its place by torchrun's environment variables (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), the rendezvous store served by the launcher of node 0
// (TORCHELASTIC_USE_AGENT_STORE, so the store outlives any worker). The launcher watches them: a
// worker that fails stops the others; Ctrl-C is passed on to every worker as a line on its standard
// input (STOP_LINE), not as a signal: a SIGINT lands on whichever thread of the worker the kernel
// picks, Gloo's and OpenMP's included, and a run of 40 Ctrl-Cs at random moments killed a worker
// twice with glibc's "corrupted size vs. prev_size"; stopped by a line, 0 of 80. A worker's error line
// goes to the launcher on a descriptor of its own (ERROR_FD_ENV), not to the terminal: the job ends
// with ONE line, the launcher's, which names the worker at fault and says what it said.
import { type ChildProcess, spawn } from "node:child_process";
import { lookup } from "node:dns/promises";
import { connect, createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { backendFor, worldFromEnv } from "../engine/distributed.js";
import {
  checkDevice,
  cudaDeviceCount,
  type Device,
  DistributedError,
  Store,
  WORLD_ENV,
} from "../engine/index.js";
import { type EcgError, ERROR_FD_ENV, InterruptedError, UsageError, UserError } from "../errors.js";
import { perRankBatch } from "./ddp.js";

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
  /** What each worker said on its way out (its error line), by rank. */
  messages: ReadonlyMap<number, string>;
}

/** How long the launcher waits for more exits before it blames one worker, and before SIGKILL. */
const BLAME_WINDOW_MS = 1000;
const KILL_AFTER_MS = 10_000;
/** How long the launcher waits, after the last exit, for a worker's error line still in its pipe. */
const MESSAGE_WAIT_MS = 2000;
/** The descriptor a worker's error line goes to (its stdio[3], a pipe to the launcher). */
const ERROR_FD = 3;

/** "rank 1 (pid 4242) was killed by SIGKILL" / "rank 0 (pid 4241) exited with code 1". */
export function describeExit(e: WorkerExit): string {
  return e.signal
    ? `rank ${e.rank} (pid ${e.pid}) was killed by ${e.signal}`
    : `rank ${e.rank} (pid ${e.pid}) exited with code ${e.code}`;
}

/** Whether this command line asks for a job of several processes (and this is its launcher). */
export function isLaunch(launch: JobLayout, globalBatch: number): boolean {
  const worldSize = launch.nprocPerNode * launch.nnodes;
  if (worldSize === 1) return false;
  if (worldFromEnv())
    throw new UsageError(
      "--nproc/--nnodes: this process is already a worker of a launched job (RANK and WORLD_SIZE are set)",
    );
  perRankBatch(globalBatch, worldSize);
  return true;
}

/** Refuses, before any worker starts, a job this host cannot run: no backend, too few GPUs. */
export function checkJob(device: Device, launch: JobLayout): void {
  backendFor(device);
  if (device === "cpu") return;
  checkDevice(device);
  const gpus = cudaDeviceCount();
  if (gpus < launch.nprocPerNode)
    throw new UserError(
      `--nproc ${launch.nprocPerNode} with --device cuda: one GPU per process, and this host has ${gpus}`,
    );
}

/** What a worker's exit means: normal (0, or a stop asked for), else a failure. */
function isNormalExit(e: WorkerExit, interrupted: boolean, stoppedHere: ReadonlySet<number>): boolean {
  return e.code === 0 || (interrupted && (e.code === 130 || stoppedHere.has(e.rank)));
}

/** This node's workers while they run: started, watched, stopped, and their error lines collected. */
class WorkerSet {
  readonly exits: WorkerExit[] = [];
  /** The error line each worker wrote on its error descriptor (ERROR_FD_ENV), by rank. */
  readonly messages = new Map<number, string>();
  interrupted = false;
  failure: WorkerExit | undefined;
  stdout = "";
  private readonly children: { rank: number; child: ChildProcess }[] = [];
  private readonly channels: Promise<void>[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  /** Ranks this launcher stopped (SIGTERM after a failure, or a Ctrl-C passed on). */
  private readonly stoppedHere = new Set<number>();

  constructor(private readonly spec: LaunchSpec) {}

  private live() {
    return this.children.filter(({ child }) => child.exitCode === null && child.signalCode === null);
  }

  /** Stops every worker still running: SIGTERM, then SIGKILL after KILL_AFTER_MS. */
  stopAll(): void {
    if (this.stoppedHere.size > 0) return;
    for (const { rank, child } of this.live()) {
      this.stoppedHere.add(rank);
      child.kill("SIGTERM");
    }
    this.timers.push(
      setTimeout(() => {
        for (const { child } of this.live()) child.kill("SIGKILL");
      }, KILL_AFTER_MS),
    );
  }

  /** Ctrl-C (passed on as a stop line; a second one: quit now) or SIGTERM, sent to the launcher. */
  onSignal(signal: NodeJS.Signals): void {
    this.interrupted = true;
    for (const { rank, child } of this.live()) {
      this.stoppedHere.add(rank);
      if (signal === "SIGINT") child.stdin?.write(STOP_LINE);
      else child.kill(signal);
    }
  }

  /** Starts the worker of local rank `local`; `done` is called once every worker has exited. */
  start(local: number, port: number, done: () => void, fail: (e: Error) => void): void {
    const { spec } = this;
    const rank = spec.nodeRank * spec.nprocPerNode + local;
    const capture = spec.captureStdout === true && rank === 0;
    const child = spawn(spec.command, [...spec.args], {
      detached: true,
      stdio: ["pipe", capture ? "pipe" : "inherit", "inherit", "pipe"],
      env: { ...process.env, ...spec.env, ...workerEnv(spec, rank, local, port) },
    });
    if (capture) child.stdout?.on("data", (d: Buffer) => (this.stdout += d.toString("utf8")));
    this.collectMessage(rank, child);
    // A worker that is gone cannot hear a stop line: nothing to report.
    child.stdin?.on("error", () => {});
    child.on("error", (e) => {
      this.stopAll();
      fail(new DistributedError(`cannot start worker rank ${rank}: ${e.message}`));
    });
    child.on("exit", (code, signal) => {
      const e: WorkerExit = { rank, pid: child.pid ?? -1, code, signal };
      this.exits.push(e);
      if (!isNormalExit(e, this.interrupted, this.stoppedHere) && !this.failure) {
        this.failure = e;
        // Stop the others after a short window: a killed worker's peers fail right after it, and
        // their exits may be seen first (the blame goes to the killed one: blamed()).
        this.timers.push(setTimeout(() => this.stopAll(), BLAME_WINDOW_MS));
      }
      if (this.exits.length === this.children.length) done();
    });
    this.children.push({ rank, child });
  }

  /** The line a worker writes on its error descriptor (its last, if several). */
  private collectMessage(rank: number, child: ChildProcess): void {
    const channel = child.stdio[3] as NodeJS.ReadableStream | null | undefined;
    if (!channel) return;
    let text = "";
    channel.setEncoding("utf8");
    channel.on("data", (d: string) => {
      if (text.length < 64_000) text += d;
    });
    this.channels.push(
      new Promise((resolve) => {
        const end = () => {
          const line = text.trimEnd().split("\n").at(-1);
          if (line) this.messages.set(rank, line);
          resolve();
        };
        channel.on("end", end);
        channel.on("error", end);
      }),
    );
  }

  started(): { rank: number; pid: number }[] {
    return this.children.map(({ rank, child }) => ({ rank, pid: child.pid ?? -1 }));
  }

  /** After every exit: the error lines still in flight (a worker's last write), briefly. */
  async finish(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await Promise.race([Promise.all(this.channels), sleep(MESSAGE_WAIT_MS)]);
  }

  /** The worker the job's failure is blamed on: one killed by a signal the launcher did not send first. */
  blamed(): WorkerExit | undefined {
    const killed = this.exits.find((x) => x.signal !== null && !this.stoppedHere.has(x.rank));
    return this.failure && killed ? killed : this.failure;
  }
}

/** torchrun's variables for one worker, the store's port, the launcher's pid and the error descriptor. */
function workerEnv(spec: JobLayout, rank: number, local: number, port: number): NodeJS.ProcessEnv {
  return {
    [WORLD_ENV.rank]: String(rank),
    [WORLD_ENV.worldSize]: String(spec.nprocPerNode * spec.nnodes),
    [WORLD_ENV.localRank]: String(local),
    [WORLD_ENV.localWorldSize]: String(spec.nprocPerNode),
    GROUP_RANK: String(spec.nodeRank),
    [WORLD_ENV.masterAddr]: spec.masterAddr,
    [WORLD_ENV.masterPort]: String(port),
    [WORLD_ENV.agentStore]: "True",
    [LAUNCHER_PID_ENV]: String(process.pid),
    [ERROR_FD_ENV]: String(ERROR_FD),
  };
}

/**
 * Runs this node's workers to the end. Resolves when every one has exited: `failed` names the worker
 * that brought the job down (a worker killed by a signal before one that exited with an error, which
 * is usually the others noticing), `messages` what each said on its way out.
 */
export async function launchWorkers(spec: LaunchSpec): Promise<LaunchOutcome> {
  await resolveMaster(spec.masterAddr);
  // Node 0's workers reach its store at --master-addr, as every other host's do: it must lead here
  // (else the store itself would wait the whole --dist-timeout for its own connection).
  if (spec.nodeRank === 0) await checkLeadsHere(spec.masterAddr);
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
  const workers = new WorkerSet(spec);
  // The workers have their own process group (detached), so the terminal's Ctrl-C reaches the
  // launcher only, and each worker hears it exactly once from here (twice: quit now), on its stdin.
  const onInt = () => workers.onSignal("SIGINT");
  const onTerm = () => workers.onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    await new Promise<void>((resolve, reject) => {
      for (let local = 0; local < spec.nprocPerNode; local++) workers.start(local, port, resolve, reject);
      spec.onStarted?.(workers.started());
    });
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    await workers.finish();
  }
  const failed = workers.blamed();
  return {
    exits: workers.exits,
    ...(failed ? { failed } : {}),
    interrupted: workers.interrupted,
    stdout: workers.stdout,
    messages: workers.messages,
  };
}

/** How long the launcher gives --master-addr to answer on the store's port (node 0). */
const REACH_MS = 5000;

/** --master-addr as a name the system resolves (an IP address resolves to itself): refused before any worker starts. */
async function resolveMaster(addr: string): Promise<void> {
  try {
    await lookup(addr);
  } catch (e) {
    throw new UserError(
      `--master-addr ${addr}: no such host (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

/** Whether addr leads to this host: a connection to it reaches a port opened here, within REACH_MS. */
async function checkLeadsHere(addr: string): Promise<void> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const fault = await new Promise<string | undefined>((resolve) => {
    const socket = connect({ host: addr, port, timeout: REACH_MS });
    const end = (why: string | undefined) => {
      socket.destroy();
      resolve(why);
    };
    socket.once("connect", () => end(undefined));
    socket.once("timeout", () => end(`no answer within ${REACH_MS / 1000} s`));
    socket.once("error", (e: NodeJS.ErrnoException) => end(e.code ?? e.message));
  });
  await new Promise((resolve) => server.close(resolve));
  if (fault !== undefined)
    throw new UserError(
      `--master-addr ${addr} does not lead to this host (${fault}): on host 0 (--node-rank 0) it must be one of the host's own addresses`,
    );
}

/**
 * The one error a launched job ends with, or undefined when it finished: after Ctrl-C, what rank 0
 * said it kept (exit 130); after a failure, the worker blamed and what it said (`afterFailure` is
 * added: where the run's last complete epoch is).
 */
export function jobError(outcome: LaunchOutcome, afterFailure: string): EcgError | undefined {
  if (outcome.interrupted) return new InterruptedError(outcome.messages.get(0) ?? "interrupted");
  const f = outcome.failed;
  if (!f) return undefined;
  const said = outcome.messages.get(f.rank);
  return new UserError(
    `${describeExit(f)}${said ? `: ${said}` : ""}; the other workers were stopped${afterFailure}`,
  );
}
