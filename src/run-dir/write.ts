// Writing the JSON files of a run: each through the one atomic writer (src/atomic-file.ts), each checked
// against its schema first, so that what the trainer writes is what the readers accept.
import path from "node:path";
import type { z } from "zod";
import { writeFileAtomic } from "../atomic-file.js";
import type { ClassificationReport, MisclassifiedBeat } from "../eval/results.js";
import { MisclassifiedSchema, RUN_FILES, type RunConfig, RunConfigSchema, TestEvalSchema } from "./schema.js";

/** The JSON text of a value, after checking that it reads back through its schema (a bug otherwise). */
export function checkedJson(file: string, schema: z.ZodType, value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent);
  const r = schema.safeParse(JSON.parse(text));
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`${file}: would not read back (${issue.path.join(".")}: ${issue.message})`);
  }
  return text;
}

export function writeRunConfig(dir: string, config: RunConfig): void {
  const file = path.join(dir, RUN_FILES.config);
  writeFileAtomic(file, `${checkedJson(file, RunConfigSchema, config, 2)}\n`);
}

export function writeTestEval(dir: string, report: ClassificationReport): void {
  const file = path.join(dir, RUN_FILES.testEval);
  writeFileAtomic(file, `${checkedJson(file, TestEvalSchema, report, 2)}\n`);
}

export function writeMisclassified(dir: string, beats: MisclassifiedBeat[]): void {
  const file = path.join(dir, RUN_FILES.misclassified);
  writeFileAtomic(file, `${checkedJson(file, MisclassifiedSchema, beats)}\n`);
}
