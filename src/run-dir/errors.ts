// A run-directory file that is missing, malformed or owned by another process: one line naming the
// file as the user sees it, relative to the current directory (and the line, for metrics.jsonl).
import { displayPath } from "../display-path.js";
import { UserError } from "../errors.js";

export class RunDirError extends UserError {
  override name = "RunDirError";
  readonly file: string;
  /** 1-based line, for JSONL files. */
  readonly line: number | undefined;
  constructor(file: string, message: string, line?: number) {
    super(`${displayPath(file)}${line !== undefined ? `:${line}` : ""}: ${message}`, file);
    this.file = file;
    this.line = line;
  }
}
