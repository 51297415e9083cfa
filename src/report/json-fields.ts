// Reading typed fields out of parsed JSON written by another tool: every mismatch is a RunDirError naming
// the file and the field path, so a malformed run directory is one clear line, not a crash deep in a plot.
import { UserError } from "../errors.js";

/** A run-directory file that is missing or malformed. `file` is the path of the culprit. */
export class RunDirError extends UserError {
  override name = "RunDirError";
  readonly file: string;
  /** 1-based line, for JSONL files. */
  readonly line: number | undefined;
  constructor(file: string, message: string, line?: number) {
    super(`${file}${line !== undefined ? `:${line}` : ""}: ${message}`, file);
    this.file = file;
    this.line = line;
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Field access bound to one file, so each error says where it came from. */
export class FieldReader {
  constructor(
    readonly file: string,
    readonly where = "",
    readonly line?: number,
  ) {}

  fail(field: string, expected: string, got: unknown): never {
    const at = field === "" ? this.where : this.where ? `${this.where}.${field}` : field;
    const shown = JSON.stringify(got);
    const gotText = shown?.slice(0, 60) ?? "undefined";
    throw new RunDirError(this.file, `field '${at}' must be ${expected}, got ${gotText}`, this.line);
  }

  /** A reader for a nested object (or for one line of a JSONL file, via `where`). */
  nested(where: string): FieldReader {
    return new FieldReader(this.file, this.where ? `${this.where}.${where}` : where, this.line);
  }

  optNumber(obj: JsonObject, key: string): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(key, "a number", v);
    return v;
  }

  number(obj: JsonObject, key: string): number {
    const v = this.optNumber(obj, key);
    if (v === undefined) this.fail(key, "a number", obj[key]);
    return v;
  }

  optString(obj: JsonObject, key: string): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") this.fail(key, "a string", v);
    return v;
  }

  string(obj: JsonObject, key: string): string {
    const v = this.optString(obj, key);
    if (v === undefined) this.fail(key, "a string", obj[key]);
    return v;
  }

  optBoolean(obj: JsonObject, key: string): boolean | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean") this.fail(key, "true or false", v);
    return v;
  }

  optObject(obj: JsonObject, key: string): JsonObject | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) this.fail(key, "an object", v);
    return v;
  }

  /** An array of finite numbers (null entries, as JSON writes NaN, are kept as NaN). */
  optNumbers(obj: JsonObject, key: string): number[] | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) this.fail(key, "an array of numbers", v);
    return v.map((x, i) => {
      if (x === null) return Number.NaN;
      if (typeof x !== "number") this.fail(`${key}[${i}]`, "a number", x);
      return x;
    });
  }

  numbers(obj: JsonObject, key: string): number[] {
    const v = this.optNumbers(obj, key);
    if (v === undefined) this.fail(key, "an array of numbers", obj[key]);
    return v;
  }

  optStrings(obj: JsonObject, key: string): string[] | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) this.fail(key, "an array of strings", v);
    return v as string[];
  }

  array(obj: JsonObject, key: string): unknown[] {
    const v = obj[key];
    if (!Array.isArray(v)) this.fail(key, "an array", v);
    return v;
  }
}
