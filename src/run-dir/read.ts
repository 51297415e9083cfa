// Reading a run directory through the schemas of schema.ts. Two readings of the same schemas: the
// report's, lenient (a run in progress, a hand-made or older run: every config field may be missing,
// fields nobody declared are kept in `raw`), and the resume's, strict (every field the trainer writes).
// Every mismatch is a RunDirError naming the file, the line (metrics.jsonl) and the field.
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ClassMetricsSchema, MisclassifiedBeatSchema } from "../eval/results.js";
import { CLASS_NAMES } from "../vocabulary.js";
import { RunDirError } from "./errors.js";
import { EpochMetricsSchema, RUN_FILE_NAMES, RUN_FILES, RunConfigSchema, TestEvalSchema } from "./schema.js";

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// The lenient forms the report reads, derived from the schemas (nothing re-declared).
const StoredRunConfigSchema = RunConfigSchema.partial();
const StoredEpochMetricsSchema = EpochMetricsSchema.partial().extend({
  epoch: EpochMetricsSchema.shape.epoch,
});
const StoredTestEvalSchema = TestEvalSchema.partial()
  .extend({
    perClass: z
      .array(ClassMetricsSchema.partial().extend({ class: ClassMetricsSchema.shape.class }))
      .default([]),
  })
  .transform((t) => ({ ...t, classes: t.classes ?? t.perClass.map((p) => p.class) }))
  .transform((t) => ({ ...t, classes: t.classes.length > 0 ? t.classes : [...CLASS_NAMES] }))
  .superRefine((t, ctx) => {
    const k = t.classes.length;
    if (t.confusion && (t.confusion.length !== k || t.confusion.some((row) => row.length !== k))) {
      ctx.addIssue({ code: "custom", message: `'confusion' must be ${k}×${k}, one row per class` });
    }
  });
const StoredMisclassifiedSchema = z.array(MisclassifiedBeatSchema.partial({ probs: true }));

/** config.json as the report reads it: any field may be missing; `raw` is the whole parsed file. */
export type StoredRunConfig = z.infer<typeof StoredRunConfigSchema> & { raw: JsonObject };
/** One line of metrics.jsonl as the report reads it: only `epoch` is sure. */
export type StoredEpochMetrics = z.infer<typeof StoredEpochMetricsSchema>;
export type StoredTestEval = z.infer<typeof StoredTestEvalSchema>;
export type StoredMisclassifiedBeat = z.infer<typeof StoredMisclassifiedSchema>[number];

export interface RunFile {
  name: string;
  bytes: number;
  modified: Date;
}

export interface RunDir {
  /** Absolute path of the directory. */
  dir: string;
  config: StoredRunConfig;
  metrics: StoredEpochMetrics[];
  testEval?: StoredTestEval;
  misclassified?: StoredMisclassifiedBeat[];
  /** Files of the run found in the directory (checkpoints included), for the provenance table. */
  files: RunFile[];
}

/** The run directory for the report (lenient). */
export function readRunDir(dirArg: string): RunDir {
  const dir = path.resolve(dirArg);
  if (!existsSync(dir)) throw new RunDirError(dirArg, "no such run directory");
  if (!statSync(dir).isDirectory()) throw new RunDirError(dirArg, "not a directory (give the run directory)");
  const configFile = path.join(dir, RUN_FILES.config);
  if (!existsSync(configFile)) {
    throw new RunDirError(configFile, "missing: not a run directory written by `ecg train`");
  }
  const raw = readJsonFile(configFile);
  if (!isObject(raw)) throw new RunDirError(configFile, "must hold a JSON object");
  const config = { ...parseWith(StoredRunConfigSchema, configFile, raw), raw };
  const metricsFile = path.join(dir, RUN_FILES.metrics);
  const metrics = existsSync(metricsFile)
    ? parseMetricsText(metricsFile, readFileSync(metricsFile, "utf8"), StoredEpochMetricsSchema).lines
    : [];
  const evalFile = path.join(dir, RUN_FILES.testEval);
  const testEval = existsSync(evalFile)
    ? parseObjectFile(evalFile, StoredTestEvalSchema, readJsonFile(evalFile))
    : undefined;
  const misFile = path.join(dir, RUN_FILES.misclassified);
  let misclassified: StoredMisclassifiedBeat[] | undefined;
  if (existsSync(misFile)) {
    const json = readJsonFile(misFile);
    if (!Array.isArray(json)) throw new RunDirError(misFile, "must hold a JSON array of beats");
    misclassified = parseWith(StoredMisclassifiedSchema, misFile, json);
  }
  const files = RUN_FILE_NAMES.filter((f) => existsSync(path.join(dir, f))).map((name) => {
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

/** config.json of a run to resume: every field the trainer writes must be there. */
export function readRunConfig(dir: string): z.infer<typeof RunConfigSchema> {
  const file = path.join(dir, RUN_FILES.config);
  return parseObjectFile(file, RunConfigSchema, readJsonFile(file));
}

/**
 * The lines of a metrics log, parsed and as text. A last line without its newline that does not parse is a line being
 * written (or cut by a kill): it is left out and reported as `torn`.
 */
export function parseMetricsText<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
): { lines: z.infer<S>[]; texts: string[]; torn: boolean } {
  const lines: z.infer<S>[] = [];
  const texts: string[] = [];
  const rows = text.split("\n");
  let torn = false;
  for (let i = 0; i < rows.length; i++) {
    const line = rows[i]!.trim();
    if (line === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      if (i === rows.length - 1) {
        torn = true;
        break;
      }
      throw new RunDirError(file, `invalid JSON (${(e as Error).message})`, i + 1);
    }
    if (!isObject(json)) throw new RunDirError(file, "each line must hold a JSON object", i + 1);
    lines.push(parseWith(schema, file, json, i + 1));
    texts.push(line);
  }
  return { lines, texts, torn };
}

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new RunDirError(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RunDirError(file, `invalid JSON (${(e as Error).message})`);
  }
}

function parseObjectFile<S extends z.ZodType>(file: string, schema: S, json: unknown): z.infer<S> {
  if (!isObject(json)) throw new RunDirError(file, "must hold a JSON object");
  return parseWith(schema, file, json);
}

/** Parses with a schema; the first mismatch is a RunDirError naming the file, line and field. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  file: string,
  json: unknown,
  line?: number,
): z.infer<S> {
  const r = schema.safeParse(json, { reportInput: true });
  if (r.success) return r.data;
  throw new RunDirError(file, describeIssue(r.error.issues[0]!), line);
}

const EXPECTED: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  string: "a string",
  boolean: "true or false",
  object: "an object",
  record: "an object",
  array: "an array",
};

function fieldPath(p: readonly PropertyKey[]): string {
  return p.map((k, i) => (typeof k === "number" ? `[${k}]` : `${i === 0 ? "" : "."}${String(k)}`)).join("");
}

function shown(v: unknown): string {
  return JSON.stringify(v)?.slice(0, 60) ?? "undefined";
}

function describeIssue(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): string {
  const at = fieldPath([...prefix, ...issue.path]);
  const got = "input" in issue && issue.input !== undefined ? shown(issue.input) : "nothing";
  switch (issue.code) {
    case "invalid_type":
      return `field '${at}' must be ${EXPECTED[issue.expected] ?? issue.expected}, got ${got}`;
    case "invalid_value":
      return `field '${at}' must be one of ${issue.values.map((v) => String(v)).join(", ")}, got ${got}`;
    case "invalid_union": {
      if ("options" in issue && Array.isArray(issue.options))
        return `field '${at}' must be one of ${issue.options.map((v) => String(v)).join(", ")}, got ${got}`;
      // number-or-null and the like: the first alternative's complaint says what is expected.
      const first = issue.errors[0]?.[0];
      return first ? describeIssue(first, [...prefix, ...issue.path]) : `field '${at}': ${issue.message}`;
    }
    case "too_small":
      return `field '${at}' must be at least ${String(issue.minimum)}, got ${got}`;
    case "too_big":
      return `field '${at}' must be at most ${String(issue.maximum)}, got ${got}`;
    case "custom":
      return at === "" ? issue.message : `field '${at}': ${issue.message}`;
    default:
      return `field '${at}': ${issue.message}`;
  }
}
