// The run directory `ecg train` writes, as typed data: config.json, metrics.jsonl, and the optional
// test-eval.json and misclassified.json. Known fields are validated (a wrong type is a RunDirError naming
// the file and field); unknown fields are kept in `raw` so the report can still show them.
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { CLASS_NAMES } from "../vocabulary.js";
import { FieldReader, isObject, type JsonObject, RunDirError } from "./json-fields.js";

export { RunDirError } from "./json-fields.js";

export interface ModelConfig {
  dim?: number;
  repeat?: number;
  groups?: number;
  floors?: number;
  connection?: boolean;
  classes?: number;
}

export interface ClassCounts {
  train?: number[];
  val?: number[];
  test?: number[];
}

export interface DataConfig {
  dir?: string;
  split?: string;
  seed?: number;
  train?: number;
  val?: number;
  test?: number;
  classCounts?: ClassCounts;
}

export interface OptimizerConfig {
  name?: string;
  lr?: number;
  finalLr?: number;
}

export interface LossConfig {
  name?: string;
  gamma?: number;
  alpha?: number[];
}

export interface RunConfig {
  preset?: string;
  model?: ModelConfig;
  data?: DataConfig;
  optimizer?: OptimizerConfig;
  loss?: LossConfig;
  epochs?: number;
  batch?: number;
  seed?: number;
  device?: string;
  threads?: number;
  version?: string;
  startedAt?: string;
  /** The whole parsed config.json, unknown fields included. */
  raw: JsonObject;
}

/** One line of metrics.jsonl: one epoch. Missing or null values are undefined. */
export interface EpochMetrics {
  epoch: number;
  trainLoss?: number;
  trainAcc?: number;
  valLoss?: number;
  valAcc?: number;
  valMacroF1?: number;
  lr?: number;
  seconds?: number;
  samplesPerSec?: number;
}

export interface PerClassMetrics {
  class: string;
  support?: number;
  sensitivity?: number;
  specificity?: number;
  precision?: number;
  f1?: number;
}

export interface TestEval {
  accuracy?: number;
  macroF1?: number;
  classes: string[];
  perClass: PerClassMetrics[];
  /** Rows are the true class, columns the predicted class. */
  confusion?: number[][];
}

export interface MisclassifiedBeat {
  index: number;
  true: number;
  pred: number;
  probs?: number[];
  /** The beat (BEAT_LENGTH samples), scaled to [0, 1] as the model saw it. */
  beat: number[];
}

export interface RunFile {
  name: string;
  bytes: number;
  modified: Date;
}

export interface RunDir {
  /** Absolute path of the directory. */
  dir: string;
  config: RunConfig;
  metrics: EpochMetrics[];
  testEval?: TestEval;
  misclassified?: MisclassifiedBeat[];
  /** Files found in the directory (checkpoints included), for the provenance table. */
  files: RunFile[];
}

const KNOWN_FILES = [
  "config.json",
  "metrics.jsonl",
  "test-eval.json",
  "misclassified.json",
  "best.safetensors",
  "last.safetensors",
];

export function readRunDir(dirArg: string): RunDir {
  const dir = path.resolve(dirArg);
  if (!existsSync(dir)) throw new RunDirError(dirArg, "no such run directory");
  if (!statSync(dir).isDirectory()) throw new RunDirError(dirArg, "not a directory (give the run directory)");
  const configFile = path.join(dir, "config.json");
  if (!existsSync(configFile)) {
    throw new RunDirError(configFile, "missing: not a run directory written by `ecg train`");
  }
  const config = parseConfig(configFile, readJson(configFile));
  const metricsFile = path.join(dir, "metrics.jsonl");
  const metrics = existsSync(metricsFile) ? parseMetrics(metricsFile, readFileSync(metricsFile, "utf8")) : [];
  const evalFile = path.join(dir, "test-eval.json");
  const testEval = existsSync(evalFile) ? parseTestEval(evalFile, readJson(evalFile)) : undefined;
  const misFile = path.join(dir, "misclassified.json");
  const misclassified = existsSync(misFile) ? parseMisclassified(misFile, readJson(misFile)) : undefined;
  const files = KNOWN_FILES.filter((f) => existsSync(path.join(dir, f))).map((name) => {
    const st = statSync(path.join(dir, name));
    return { name, bytes: st.size, modified: st.mtime };
  });
  return {
    dir,
    config,
    metrics,
    ...(testEval && { testEval }),
    ...(misclassified && { misclassified }),
    files,
  };
}

function readJson(file: string): unknown {
  const text = readFileSync(file, "utf8");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RunDirError(file, `invalid JSON (${(e as Error).message})`);
  }
}

export function parseConfig(file: string, json: unknown): RunConfig {
  if (!isObject(json)) throw new RunDirError(file, "must hold a JSON object");
  const r = new FieldReader(file);
  const model = r.optObject(json, "model");
  const data = r.optObject(json, "data");
  const optimizer = r.optObject(json, "optimizer");
  const loss = r.optObject(json, "loss");
  const config: RunConfig = { raw: json };
  assignDefined(config, {
    preset: r.optString(json, "preset"),
    epochs: r.optNumber(json, "epochs"),
    batch: r.optNumber(json, "batch"),
    seed: r.optNumber(json, "seed"),
    device: r.optString(json, "device"),
    threads: r.optNumber(json, "threads"),
    version: r.optString(json, "version"),
    startedAt: r.optString(json, "startedAt"),
  });
  if (model) {
    const m = r.nested("model");
    config.model = assignDefined({} as ModelConfig, {
      dim: m.optNumber(model, "dim"),
      repeat: m.optNumber(model, "repeat"),
      groups: m.optNumber(model, "groups"),
      floors: m.optNumber(model, "floors"),
      connection: m.optBoolean(model, "connection"),
      classes: m.optNumber(model, "classes"),
    });
  }
  if (data) {
    const d = r.nested("data");
    const counts = d.optObject(data, "classCounts");
    const c = d.nested("classCounts");
    config.data = assignDefined({} as DataConfig, {
      dir: d.optString(data, "dir"),
      split: d.optString(data, "split"),
      seed: d.optNumber(data, "seed"),
      train: d.optNumber(data, "train"),
      val: d.optNumber(data, "val"),
      test: d.optNumber(data, "test"),
      classCounts: counts
        ? assignDefined({} as ClassCounts, {
            train: c.optNumbers(counts, "train"),
            val: c.optNumbers(counts, "val"),
            test: c.optNumbers(counts, "test"),
          })
        : undefined,
    });
  }
  if (optimizer) {
    const o = r.nested("optimizer");
    config.optimizer = assignDefined({} as OptimizerConfig, {
      name: o.optString(optimizer, "name"),
      lr: o.optNumber(optimizer, "lr"),
      finalLr: o.optNumber(optimizer, "finalLr"),
    });
  }
  if (loss) {
    const l = r.nested("loss");
    config.loss = assignDefined({} as LossConfig, {
      name: l.optString(loss, "name"),
      gamma: l.optNumber(loss, "gamma"),
      alpha: l.optNumbers(loss, "alpha"),
    });
  }
  return config;
}

export function parseMetrics(file: string, text: string): EpochMetrics[] {
  const out: EpochMetrics[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new RunDirError(file, `invalid JSON (${(e as Error).message})`, i + 1);
    }
    if (!isObject(json)) throw new RunDirError(file, "each line must hold a JSON object", i + 1);
    const r = new FieldReader(file, "", i + 1);
    out.push(
      assignDefined<EpochMetrics>(
        { epoch: r.number(json, "epoch") },
        {
          trainLoss: r.optNumber(json, "trainLoss"),
          trainAcc: r.optNumber(json, "trainAcc"),
          valLoss: r.optNumber(json, "valLoss"),
          valAcc: r.optNumber(json, "valAcc"),
          valMacroF1: r.optNumber(json, "valMacroF1"),
          lr: r.optNumber(json, "lr"),
          seconds: r.optNumber(json, "seconds"),
          samplesPerSec: r.optNumber(json, "samplesPerSec"),
        },
      ),
    );
  }
  return out;
}

export function parseTestEval(file: string, json: unknown): TestEval {
  if (!isObject(json)) throw new RunDirError(file, "must hold a JSON object");
  const r = new FieldReader(file);
  const perClassRaw = json["perClass"] === undefined ? [] : r.array(json, "perClass");
  const perClass = perClassRaw.map((row, i): PerClassMetrics => {
    const p = r.nested(`perClass[${i}]`);
    if (!isObject(row)) return p.fail("", "an object", row);
    return assignDefined<PerClassMetrics>(
      { class: p.string(row, "class") },
      {
        support: p.optNumber(row, "support"),
        sensitivity: p.optNumber(row, "sensitivity"),
        specificity: p.optNumber(row, "specificity"),
        precision: p.optNumber(row, "precision"),
        f1: p.optNumber(row, "f1"),
      },
    );
  });
  const classes = r.optStrings(json, "classes") ?? perClass.map((p) => p.class);
  let confusion: number[][] | undefined;
  if (json["confusion"] !== undefined && json["confusion"] !== null) {
    const rows = r.array(json, "confusion");
    confusion = rows.map((row, i) => r.numbers({ [`confusion[${i}]`]: row }, `confusion[${i}]`));
    if (confusion.length !== classes.length || confusion.some((row) => row.length !== classes.length)) {
      throw new RunDirError(
        file,
        `'confusion' must be ${classes.length}×${classes.length}, one row per class`,
      );
    }
  }
  return assignDefined<TestEval>(
    { classes: classes.length > 0 ? classes : [...CLASS_NAMES], perClass },
    { accuracy: r.optNumber(json, "accuracy"), macroF1: r.optNumber(json, "macroF1"), confusion },
  );
}

export function parseMisclassified(file: string, json: unknown): MisclassifiedBeat[] {
  if (!Array.isArray(json)) throw new RunDirError(file, "must hold a JSON array of beats");
  return json.map((item, i): MisclassifiedBeat => {
    const r = new FieldReader(file, `[${i}]`);
    if (!isObject(item)) return r.fail("", "an object", item);
    return assignDefined<MisclassifiedBeat>(
      {
        index: r.number(item, "index"),
        true: r.number(item, "true"),
        pred: r.number(item, "pred"),
        beat: r.numbers(item, "beat"),
      },
      { probs: r.optNumbers(item, "probs") },
    );
  });
}

/** Copies only the defined values, so optional fields stay absent rather than `undefined`. */
function assignDefined<T extends object>(target: T, values: { [K in keyof T]?: T[K] | undefined }): T {
  for (const [k, v] of Object.entries(values)) {
    if (v !== undefined) (target as Record<string, unknown>)[k] = v;
  }
  return target;
}
