// `ecg train` as one job, whatever its shape: this process alone; one rank of a data-parallel job
// (started by our launcher, or by torchrun's environment); or, asked for several processes, the
// launcher of this host's ranks (launch.ts), each of which runs this command again as one rank.
// Here too: Ctrl-C (or the launcher's stop line) stops the training after the current batch, and a
// worker whose launcher is gone stops as if it had been told to; rank 0 alone talks.
import { threadsValue } from "../compute-options.js";
import { requireSplit } from "../dataset/beats.js";
import { displayPath } from "../display-path.js";
import {
  backendFor,
  DistributedError,
  initProcessGroup,
  type ProcessGroup,
  type WorldInfo,
  worldFromEnv,
} from "../engine/distributed.js";
import { InterruptedError, UsageError } from "../errors.js";
import { listenForInterrupt } from "../interrupt.js";
import { explainFailure } from "./ddp.js";
import {
  checkJob,
  isLaunch,
  type JobLayout,
  jobError,
  LAUNCHER_PID_ENV,
  type LaunchOutcome,
} from "./launch.js";
import { type TrainRunHooks, type TrainRunRequest, type TrainRunResult, trainRun } from "./train-run.js";

export interface TrainJobRequest extends TrainRunRequest {
  /** The job's layout (--nproc, --nnodes, --node-rank, --master-addr, --master-port, --dist-timeout). */
  launch: JobLayout;
  /** --threads as given; left out, the launcher shares this host's cores out among its workers. */
  threads: string | undefined;
  /** Starts this host's workers: this same command, each as one rank, with these options replaced. */
  relaunch(replace: { threads: string; out: string }): Promise<LaunchOutcome>;
}

export interface TrainJobHooks extends TrainRunHooks {
  /** The training starts: what TrainRunHooks.onStart says, and how many processes train. */
  onStart?(info: Parameters<NonNullable<TrainRunHooks["onStart"]>>[0] & { processes: number }): void;
}

/**
 * What this process did: launched the workers (who said everything), or trained; `talks`: rank 0,
 * whose results these are to show; `stoppedQuietly`: another rank, stopped by Ctrl-C (exit 130).
 */
export type TrainJobResult =
  | { role: "launcher" }
  | { role: "rank"; talks: boolean; run: TrainRunResult; stoppedQuietly?: true };

export async function trainJob(req: TrainJobRequest, hooks: TrainJobHooks = {}): Promise<TrainJobResult> {
  const world = worldFromEnv();
  const launching = isLaunch(req.launch, req.options.batch);
  if (req.options.adversary > 0 && (launching || (world?.worldSize ?? 1) > 1))
    throw new UsageError(
      "--adversary trains in one process (its head is not data-parallel): leave out --nproc",
    );
  if (launching) {
    await launchJob(req);
    return { role: "launcher" };
  }
  if (world && world.worldSize > 1) return runRank(req, hooks, world);
  return trainHere(req, hooks);
}

/** This host's workers, started and watched; the job's one error line if it fails. */
async function launchJob(req: TrainJobRequest): Promise<void> {
  const o = req.options;
  if (!o.resume) requireSplit(o.dataDir, "train");
  checkJob(o.device, req.launch);
  const threads = String(threadsValue(req.threads, req.launch.nprocPerNode));
  const outcome = await req.relaunch({ threads, out: o.outDir });
  const failure = jobError(
    outcome,
    `; the last complete epoch is in ${displayPath(o.outDir)} (continue with --resume)`,
  );
  if (failure) throw failure;
}

/** One rank of a launched job: joins the process group, trains; a failed collective names who is gone. */
async function runRank(
  req: TrainJobRequest,
  hooks: TrainJobHooks,
  world: WorldInfo,
): Promise<TrainJobResult> {
  const o = req.options;
  const device = o.device === "cpu" ? o.device : (`cuda:${world.localRank}` as const);
  const { store, group } = initProcessGroup(world, {
    backend: backendFor(o.device),
    timeoutSeconds: req.launch.timeoutSeconds,
  });
  try {
    return await trainHere({ ...req, options: { ...o, device, processes: world.worldSize } }, hooks, group);
  } catch (e) {
    throw e instanceof DistributedError ? explainFailure(e, store, world.rank, world.worldSize) : e;
  } finally {
    group.shutdown();
  }
}

/** Trains in this process: alone, or as one rank of `group` (rank 0 alone reports and writes). */
async function trainHere(
  req: TrainJobRequest,
  hooks: TrainJobHooks,
  group?: ProcessGroup,
): Promise<TrainJobResult> {
  const talks = (group?.rank ?? 0) === 0;
  // A worker of our launcher hears Ctrl-C as lines on its stdin; one whose launcher is gone stops
  // like Ctrl-C, at the same batch as the others.
  const launcherPid = Number(process.env[LAUNCHER_PID_ENV] ?? Number.NaN);
  const launched = group !== undefined && Number.isInteger(launcherPid);
  const orphaned = () => launched && process.ppid !== launcherPid;
  const told = talks ? hooks : {};
  const stop = listenForInterrupt({
    onFirst: () =>
      told.onNote?.(
        "\nstopping after this batch (Ctrl-C again to quit now); the last complete checkpoint stays intact; continue with --resume",
      ),
    ...(launched ? { lines: process.stdin } : {}),
  });
  const stopped = () => stop.requested || orphaned();
  try {
    const processes = group?.size ?? 1;
    const run = await trainRun(
      req,
      { ...told, onStart: (s) => told.onStart?.({ ...s, processes }), shouldStop: stopped },
      group,
    );
    if (!stopped()) return { role: "rank", talks, run };
    // Rank 0 says what is kept; the other ranks end the same way, quietly.
    if (!talks) return { role: "rank", talks, run, stoppedQuietly: true };
    throw new InterruptedError(
      `${run.training.epochsDone} complete epoch(s) in ${displayPath(run.options.outDir)}; continue with --resume`,
    );
  } finally {
    stop.close();
  }
}
