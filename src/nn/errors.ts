// Typed errors of src/nn: user errors (exit 1, one line naming `file`) that callers and tests can
// also branch on.
import { UserError } from "../errors.js";

/** What was wrong with a checkpoint file, for callers and tests that branch on it. */
export type CheckpointErrorReason =
  | "io" // the file could not be read or written
  | "truncated" // shorter than its header length field or than the data its header describes
  | "header-too-large" // header length field beyond the file or beyond the format's limit
  | "bad-json" // header is not valid UTF-8 JSON
  | "bad-header" // header JSON is valid but not a safetensors header (wrong types, bad metadata)
  | "dtype" // unknown dtype, or data whose typed array does not match its dtype
  | "size" // byte size does not equal shape × dtype size
  | "offsets" // data_offsets malformed, out of range, or leaving holes / trailing bytes
  | "overlap" // two tensors share bytes
  | "layout" // the tensors' names or shapes do not fit the model its config describes
  | "values"; // a non-finite weight, a negative variance

/** A checkpoint (safetensors) file that cannot be read or written. The message names the file and tensor. */
export class CheckpointError extends UserError {
  override name = "CheckpointError";
  /** The checkpoint file at fault. */
  readonly file: string;
  /** The tensor at fault, when one is. */
  readonly tensor: string | undefined;
  readonly reason: CheckpointErrorReason;

  constructor(file: string, reason: CheckpointErrorReason, detail: string, tensor?: string, cause?: unknown) {
    super(`${file}: ${tensor === undefined ? "" : `tensor "${tensor}": `}${detail}`, file, cause);
    this.file = file;
    this.tensor = tensor;
    this.reason = reason;
  }
}

/** A state dict that does not fit the module: names every missing, unexpected or mis-shaped tensor. */
export class StateDictError extends UserError {
  override name = "StateDictError";
  readonly file: string;
  constructor(message: string, file: string) {
    super(message, file);
    this.file = file;
  }
}
