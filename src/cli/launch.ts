// The launcher options `ecg train` and `ecg bench train` share (--nproc, --nnodes, --node-rank,
// --master-addr, --master-port, --dist-timeout), and how a command re-runs itself as its workers.
import { isIP } from "node:net";
import { UsageError } from "../errors.js";
import {
  type JobLayout,
  jobError,
  type LaunchOutcome,
  type LaunchSpec,
  launchWorkers,
} from "../train/launch.js";
import { numberOpt, stringOpt } from "./args.js";
import type { OptionSpec, ParsedArgs } from "./command.js";

export const LAUNCH_OPTIONS: OptionSpec = {
  nproc: { type: "string" },
  nnodes: { type: "string" },
  "node-rank": { type: "string" },
  "master-addr": { type: "string" },
  "master-port": { type: "string" },
  "dist-timeout": { type: "string" },
};

export const LAUNCH_HELP: Record<string, string> = {
  nproc: "processes on this host, data-parallel (PyTorch's DDP semantics, c10d Gloo; default 1)",
  nnodes: "hosts in the job (default 1); start the same command on each, with its --node-rank",
  "node-rank": "this host's place in the job, 0..nnodes-1 (default 0; host 0 serves the rendezvous)",
  "master-addr": "host 0's address, reachable from every host (default 127.0.0.1)",
  "master-port": "host 0's rendezvous port (default: a free one on one host, 29500 on several)",
  "dist-timeout": "seconds a worker waits for the others before it gives up (default 300)",
};

/** torchrun's default port for a job on several hosts. */
const DEFAULT_MULTI_HOST_PORT = 29500;
const DEFAULT_TIMEOUT_SECONDS = 300;

export type LaunchArgs = JobLayout;

/**
 * An IP address, or a host name as RFC 1123 has them: dot-separated labels of letters, digits and
 * inner hyphens, the last not all digits (so 256.1.1.1 is neither).
 */
function isHostAddress(addr: string): boolean {
  if (isIP(addr) !== 0) return true;
  const labels = addr.replace(/\.$/, "").split(".");
  return (
    addr.length <= 253 &&
    labels.every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(l)) &&
    !/^\d+$/.test(labels.at(-1)!)
  );
}

export function launchArgsFrom(args: ParsedArgs): LaunchArgs {
  const nprocPerNode = numberOpt(args, "nproc", 1, { integer: true, min: 1 });
  const nnodes = numberOpt(args, "nnodes", 1, { integer: true, min: 1 });
  const nodeRank = numberOpt(args, "node-rank", 0, { integer: true, min: 0, max: nnodes - 1 });
  const masterAddr = stringOpt(args, "master-addr");
  if (nnodes > 1 && masterAddr === undefined)
    throw new UsageError("--nnodes > 1 needs --master-addr (host 0's address, the same on every host)");
  if (masterAddr !== undefined && !isHostAddress(masterAddr))
    throw new UsageError(
      `--master-addr must be an IP address or a host name, got '${masterAddr}'${/^[\d.]+$/.test(masterAddr) ? " (an IPv4 address has four numbers of 0 to 255)" : ""}`,
    );
  return {
    nprocPerNode,
    nnodes,
    nodeRank,
    masterAddr: masterAddr ?? "127.0.0.1",
    masterPort: numberOpt(args, "master-port", nnodes > 1 ? DEFAULT_MULTI_HOST_PORT : 0, {
      integer: true,
      min: nnodes > 1 ? 1 : 0,
      max: 65535,
    }),
    timeoutSeconds: numberOpt(args, "dist-timeout", DEFAULT_TIMEOUT_SECONDS, { min: 1 }),
  };
}

/** The command line again, without the launcher's options (what each worker runs). */
function workerArgv(args: ParsedArgs, options: OptionSpec, overrides: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [name, spec] of Object.entries(options)) {
    if (name in LAUNCH_OPTIONS || name in overrides) continue;
    const v = args.values[name];
    if (v === undefined) continue;
    if (spec.type === "boolean") {
      if (v === true) out.push(`--${name}`);
    } else {
      for (const one of Array.isArray(v) ? v : [v]) out.push(`--${name}`, String(one));
    }
  }
  for (const [name, value] of Object.entries(overrides)) out.push(`--${name}`, value);
  if (args.verbose) out.push("--verbose");
  return out;
}

/**
 * Starts this node's workers of `ecg <words> …` (this same program) and waits for them. Every
 * worker gets `--dist-timeout` and `overrides` (e.g. --threads).
 */
export function launchSelf(
  words: readonly string[],
  args: ParsedArgs,
  options: OptionSpec,
  launch: LaunchArgs,
  overrides: Record<string, string>,
  extra: Pick<LaunchSpec, "captureStdout" | "onStarted"> = {},
): Promise<LaunchOutcome> {
  const entry = process.argv[1];
  if (!entry) throw new Error("cannot tell which script this process runs");
  const argv = workerArgv(args, options, {
    ...overrides,
    "dist-timeout": String(launch.timeoutSeconds),
  });
  return launchWorkers({
    ...launch,
    command: process.execPath,
    args: [...process.execArgv, entry, ...words, ...argv],
    ...extra,
  });
}

/** Exit status of a launched job: 130 after Ctrl-C, the one-line error naming the failed rank. */
export function checkOutcome(outcome: LaunchOutcome, afterFailure: string): void {
  const e = jobError(outcome, afterFailure);
  if (e) throw e;
}
