// Inference on beats: a checkpoint loaded in eval mode, BatchNorm folded into the convolutions,
// autograd off, batched. This is what `ecg predict`, `ecg eval` and whole-record classification use.
import { checkDevice, type Device, noGrad, setNumThreads, Tensor, tidy } from "../engine/index.js";
import { UserError } from "../errors.js";
import { BEAT_LENGTH } from "../vocabulary.js";
import { type CheckpointInfo, loadCheckpoint } from "./checkpoint.js";
import type { Network } from "./ensemble.js";
import { foldBatchNorms } from "./fold.js";

export interface BeatClassifier {
  readonly classes: readonly string[];
  /**
   * How many rhythm features per beat the model takes beside the waveform (src/dataset/rhythm.ts:
   * RHYTHM_FEATURE_COUNT), 0 for a morphology-only model such as the seed's.
   */
  readonly rhythmFeatures: number;
  /**
   * The model takes each beat minus its record's template (src/dataset/beat-template.ts:
   * relativeBeats), not the beat as cut; false for the seed's models.
   */
  readonly relative: boolean;
  /**
   * Softmax probabilities, count × classes, for count beats of BEAT_LENGTH samples each (row-major),
   * with count × rhythmFeatures rhythm features (opts.rhythm) when the model takes them.
   */
  predictProba(beats: Float32Array, count: number, opts?: PredictOptions): Float32Array;
  dispose(): void;
}

export interface PredictOptions {
  /** count × rhythmFeatures rhythm features, for a model that takes them (dataset/rhythm-input.ts). */
  rhythm?: Float32Array;
  /** Hears the number of beats done so far (for a progress bar). */
  onProgress?: (done: number) => void;
  /** Where the beats come from (a CSV file, a record), named when one is not finite. */
  beatsSource?: string;
}

export interface ClassifierOptions {
  device?: Device;
  threads?: number;
  /** Beats per forward pass. */
  batchSize?: number;
  /** Fold BatchNorm into the convolutions (default on; off only to compare). */
  fold?: boolean;
  /** The model's file, named when its output is not finite. */
  source?: string;
}

export class SeedClassifier implements BeatClassifier {
  readonly classes: readonly string[];
  readonly rhythmFeatures: number;
  readonly relative: boolean;
  private readonly device: Device;
  private readonly batchSize: number;
  private readonly source: string;

  constructor(
    private readonly model: Network,
    classes: readonly string[],
    opts: ClassifierOptions = {},
  ) {
    this.classes = classes;
    this.rhythmFeatures = model.config.rhythm ?? 0;
    this.relative = model.config.relative ?? false;
    this.device = opts.device ?? "cpu";
    this.batchSize = opts.batchSize ?? 512;
    this.source = opts.source ?? "the model";
    checkDevice(this.device);
    model.eval();
    if (opts.fold ?? true) foldBatchNorms(model);
    if (this.device !== "cpu") model.to(this.device);
  }

  /**
   * Beats must be finite (a non-finite beat is a UserError naming its row, 1-based), and so must
   * every probability (else a UserError naming the model and the row): never a label from NaN.
   */
  predictProba(beats: Float32Array, count: number, opts: PredictOptions = {}): Float32Array {
    if (beats.length !== count * BEAT_LENGTH) {
      throw new RangeError(`predictProba: ${beats.length} values is not ${count} beats of ${BEAT_LENGTH}`);
    }
    const r = this.rhythmFeatures;
    const rhythm = opts.rhythm;
    if (r > 0 && rhythm?.length !== count * r) {
      throw new RangeError(
        `predictProba: the model takes ${r} rhythm features per beat; got ${rhythm ? `${rhythm.length} values for ${count} beats` : "none"}`,
      );
    }
    const bad = firstNonFinite(beats);
    if (bad >= 0) {
      const row = Math.floor(bad / BEAT_LENGTH) + 1;
      const where = opts.beatsSource !== undefined ? `${opts.beatsSource}: ` : "";
      throw new UserError(
        `${where}beat ${row}: sample ${(bad % BEAT_LENGTH) + 1} is ${beats[bad]} (beats must be finite)`,
        opts.beatsSource,
      );
    }
    const k = this.classes.length;
    const out = new Float32Array(count * k);
    noGrad(() => {
      for (let start = 0; start < count; start += this.batchSize) {
        const n = Math.min(this.batchSize, count - start);
        const probs = tidy(() => {
          let x = Tensor.fromArray(beats.subarray(start * BEAT_LENGTH, (start + n) * BEAT_LENGTH), [
            n,
            1,
            BEAT_LENGTH,
          ]);
          let features =
            r > 0 && rhythm
              ? Tensor.fromArray(rhythm.subarray(start * r, (start + n) * r), [n, r])
              : undefined;
          if (this.device !== "cpu") {
            x = x.to(this.device);
            features = features?.to(this.device);
          }
          return this.model.forward(x, features).softmax(1).toFloat32Array();
        });
        out.set(probs, start * k);
        opts.onProgress?.(start + n);
      }
    });
    const nan = firstNonFinite(out);
    if (nan >= 0) {
      const beat = `beat ${Math.floor(nan / k) + 1}${opts.beatsSource !== undefined ? ` of ${opts.beatsSource}` : ""}`;
      throw new UserError(
        `${this.source}: its output for ${beat} is ${out[nan]}, not a probability`,
        this.source,
      );
    }
    return out;
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** The index of the first value that is NaN or infinite, or -1. */
function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

export function loadClassifier(
  file: string,
  opts: ClassifierOptions = {},
): BeatClassifier & { info: CheckpointInfo } {
  if (opts.threads) setNumThreads(opts.threads);
  const { model, info } = loadCheckpoint(file);
  const c = new SeedClassifier(model, info.classes, { source: file, ...opts });
  return Object.assign(c, { info });
}
