// `ecg train` as one service: takes ownership of the run directory (a new run, --resume, --overwrite;
// the lock), reconciles a resumed run's settings with its config.json, checks the data before any long
// work, trains, and scores the best checkpoint on the test side. Everything is refused before the
// directory is changed: a refusal leaves it as it was. In a data-parallel run every rank calls it with
// the process group; rank 0 alone owns the directory (lock, repairs, writes, the test evaluation).
import { existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { checkSplitFile } from "../dataset/beats.js";
import { displayPath } from "../display-path.js";
import { checkDevice, type ProcessGroup } from "../engine/index.js";
import { UsageError, UserError } from "../errors.js";
import type { ClassificationReport } from "../eval/metrics.js";
import { RunDirError } from "../run-dir/errors.js";
import {
  removeRunFiles,
  removeStaleRunTemporaries,
  removeTestResults,
  runFilesIn,
} from "../run-dir/files.js";
import { RunLock } from "../run-dir/lock.js";
import { readRunConfig } from "../run-dir/read.js";
import { type DataConfig, RUN_FILES } from "../run-dir/schema.js";
import { writeRunConfig } from "../run-dir/write.js";
import { completedEpochs } from "./last-checkpoint.js";
import type { TrainOptions } from "./options.js";
import { reconcileResume } from "./resume-options.js";
import { checkSameData, optionsFromRunConfig, runConfig } from "./run-config.js";
import { SETTING_KEYS, type SettingKey, withOptionalDefaults } from "./settings.js";
import { evaluateRunOnTest } from "./test-eval.js";
import { type TrainHooks, type TrainResult, train } from "./trainer.js";

export interface TrainRunRequest {
  /** As asked for: `resume` continues the run in outDir, `overwrite` starts afresh over it. */
  options: TrainOptions;
  /** The settings given explicitly (on --resume only these are compared with the run's); default all. */
  given?: ReadonlySet<SettingKey>;
  /** The settings --resume may change (--override). */
  override?: ReadonlySet<SettingKey>;
  /** Score the best checkpoint on the dataset's test side when it has one (default true). */
  test?: boolean;
}

export interface TrainRunHooks extends TrainHooks {
  /** The test-side evaluation starts (it cannot be interrupted: a Ctrl-C takes effect after it). */
  onTestStart?(file: string): void;
}

export interface TrainRunResult {
  /** The options the run went with (a resumed run's come from its config.json). */
  options: TrainOptions;
  training: TrainResult;
  /** The test-side scores of the best checkpoint, when it was scored. */
  test?: { file: string; report: ClassificationReport };
}

export async function trainRun(
  req: TrainRunRequest,
  hooks: TrainRunHooks = {},
  group?: ProcessGroup,
): Promise<TrainRunResult> {
  const owner = (group?.rank ?? 0) === 0;
  const asked = req.options;
  const requested: TrainOptions = {
    ...withOptionalDefaults(asked),
    outDir: path.resolve(asked.outDir),
    overwrite: asked.overwrite ?? false,
  };
  const dir = requested.outDir;
  const note = (line: string) => hooks.onNote?.(line);
  if (requested.resume && requested.overwrite)
    throw new UsageError("--resume continues a run, --overwrite replaces it: give one of them");
  // Refused before the directory is made or locked: a run to resume that is not there, bad data.
  const newTestFile = requested.resume
    ? checkResumable(dir)
    : openNewRun(requested, req.test ?? true, owner, note);
  const lock = owner ? RunLock.acquire(dir, note) : undefined;
  try {
    const plan = requested.resume
      ? resumePlan(req, requested, note)
      : {
          options: requested,
          testFile: newTestFile,
          takeOver: owner ? overwritePlan(requested, note) : () => {},
        };
    if (owner) {
      const stale = removeStaleRunTemporaries(dir);
      if (stale.length > 0) note(`removed temporary files of stopped processes (${stale.join(", ")})`);
    }
    const { options, testFile } = plan;
    const training = await train(
      options,
      {
        ...hooks,
        onDataReady: (data) => {
          plan.takeOver(data);
          hooks.onDataReady?.(data);
        },
      },
      group,
    );
    if (!owner || training.stoppedBy === "request" || hooks.shouldStop?.()) return { options, training };
    if (!testFile || !existsSync(path.join(dir, RUN_FILES.best))) return { options, training };
    hooks.onTestStart?.(testFile);
    const report = evaluateRunOnTest(dir, options.dataDir, {
      device: options.device,
      threads: options.threads,
    });
    return { options, training, test: { file: testFile, report } };
  } finally {
    lock?.release();
  }
}

/** The options a run goes with, its test file, and what the directory gets once the data is ready. */
interface RunPlan {
  options: TrainOptions;
  testFile: string | undefined;
  /** Called when the data is loaded and split, before anything is written: the last moment to refuse. */
  takeOver(data: DataConfig): void;
}

/** --resume: a directory holding a run (its config.json); undefined (no test file yet). */
function checkResumable(dir: string): undefined {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new RunDirError(dir, "no such run directory to resume");
  if (!existsSync(path.join(dir, RUN_FILES.config)))
    throw new RunDirError(
      path.join(dir, RUN_FILES.config),
      "missing: this directory holds no run to resume (start one without --resume)",
    );
  return undefined;
}

/** A new run: the device and the data checked, then the directory made (by rank 0). Its test file. */
function openNewRun(
  requested: TrainOptions,
  test: boolean,
  owner: boolean,
  note: (line: string) => void,
): string | undefined {
  const dir = requested.outDir;
  checkDevice(requested.device);
  const testFile = checkData(requested, test, note);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new RunDirError(dir, "not a directory (--out names the run directory)");
  if (owner) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new RunDirError(dir, `cannot create the run directory (${(e as NodeJS.ErrnoException).code})`);
    }
  }
  return testFile;
}

/** A new run in a directory that may hold one: refused without --overwrite; with it, that run's files go. */
function overwritePlan(requested: TrainOptions, note: (line: string) => void): RunPlan["takeOver"] {
  const dir = requested.outDir;
  const present = runFilesIn(dir);
  if (present.length > 0 && !requested.overwrite)
    throw new RunDirError(
      dir,
      `holds a run (${present.join(", ")}): continue it with --resume, or start afresh with --overwrite`,
    );
  return () => {
    if (present.length > 0) note(`--overwrite: removed the previous run (${removeRunFiles(dir).join(", ")})`);
  };
}

/**
 * --resume: the run's settings from its config.json, the request's changes where allowed; once the
 * data is ready, the same data checked, the previous evaluation removed, the overrides recorded.
 */
function resumePlan(req: TrainRunRequest, requested: TrainOptions, note: (line: string) => void): RunPlan {
  const dir = requested.outDir;
  const stored = readRunConfig(dir);
  const configFile = path.join(dir, RUN_FILES.config);
  const { options, changes } = reconcileResume(
    optionsFromRunConfig(stored, requested),
    requested,
    req.given ?? new Set(SETTING_KEYS),
    req.override ?? new Set(),
    configFile,
  );
  checkDevice(options.device);
  const testFile = checkData(options, req.test ?? true, note);
  const takeOver = (data: DataConfig) => {
    checkSameData(configFile, stored.data, data);
    const removed = removeTestResults(dir);
    if (removed.length > 0) note(`removed the previous evaluation (${removed.join(", ")})`);
    if (Object.keys(changes).length === 0) return;
    const entry = { at: new Date().toISOString(), epoch: completedEpochs(dir), changes };
    const since = { version: stored.version, startedAt: stored.startedAt };
    writeRunConfig(
      dir,
      runConfig(options, stored.data, { ...since, overrides: [...stored.overrides, entry] }),
    );
  };
  return { options, testFile, takeOver };
}

/**
 * The dataset's sides, looked at cheaply before any work: a missing training side or a garbled file is
 * an error now, not after training. Returns the test side's file when the run will be scored on it.
 */
function checkData(options: TrainOptions, test: boolean, note: (line: string) => void): string | undefined {
  if (!checkSplitFile(options.dataDir, "train"))
    throw new UserError(
      `${displayPath(options.dataDir)}: no mitbih_train.csv (make one with \`ecg data build\`)`,
      options.dataDir,
    );
  if (!test) return undefined;
  const file = checkSplitFile(options.dataDir, "test");
  if (!file)
    note(`${displayPath(options.dataDir)} has no mitbih_test.csv: the run will not be scored on a test side`);
  return file;
}
