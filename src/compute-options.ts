// --device and --threads, as every command that runs the engine reads them (train, eval, predict,
// classify, bench): their option specs, their help and their values, with the one default thread
// count. That default is every core (on 2 cores the compact model classifies 3,400 beats/s with 2
// threads against 2,200 with 1, `ecg bench infer --batch 512`). libtorch's OpenMP threads wait for
// each other at the end of every parallel operation, and src/engine/native.ts makes them wait asleep
// (OMP_WAIT_POLICY=PASSIVE) rather than spinning, so that a busy machine (a core taken by another
// program) does not turn the extra thread into a loss: spinning, two threads on 2 cores with one
// busy took 3 times as long as one thread (README, "Threads on a busy machine").
import { availableParallelism } from "node:os";
import { choiceValue, numberValue } from "./option-value.js";

export const DEVICE_CHOICES = ["cpu", "cuda"] as const;
export type DeviceChoice = (typeof DEVICE_CHOICES)[number];

/** The two options, as node:util parseArgs takes them. */
export const COMPUTE_OPTIONS = {
  device: { type: "string" },
  threads: { type: "string" },
} as const satisfies Record<string, { type: "string" }>;

/** --help's lines; `perProcess`: for the commands whose --nproc starts several processes. */
export function computeHelp(perProcess = false): Record<keyof typeof COMPUTE_OPTIONS, string> {
  return {
    device: `${DEVICE_CHOICES.join(" (default) or ")}`,
    threads: perProcess
      ? "CPU threads per process (default: the cores, shared out among --nproc processes)"
      : "CPU threads (default: all cores)",
  };
}

/** Threads per process when --threads is not given: the cores, shared out among `processes`. */
export function defaultThreads(processes = 1): number {
  return Math.max(1, Math.floor(availableParallelism() / processes));
}

export function deviceValue(raw: string | undefined): DeviceChoice {
  return raw === undefined ? DEVICE_CHOICES[0] : choiceValue("device", raw, DEVICE_CHOICES);
}

export function threadsValue(raw: string | undefined, processes = 1): number {
  return raw === undefined
    ? defaultThreads(processes)
    : numberValue("threads", raw, { integer: true, min: 1 });
}

/** Both, from the options' texts (undefined: not given). */
export function computeValues(raw: { device?: string | undefined; threads?: string | undefined }): {
  device: DeviceChoice;
  threads: number;
} {
  return { device: deviceValue(raw.device), threads: threadsValue(raw.threads) };
}
