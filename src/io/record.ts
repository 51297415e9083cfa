// A recording as every reader gives it, whatever its file format: its signals (name, units, rate,
// length), each signal's samples in its physical units, and the annotations the file itself carries
// with times (EDF+). One reader per format stands behind this interface (wfdb-reader.ts,
// edf-reader.ts, csv-reader.ts; read-record.ts picks one by the path), as in wfdb-python's `io`.
import type { GuardedInput } from "../output-guard.js";

/** The formats a record is read from. */
export type RecordFormat = "wfdb" | "edf" | "csv";

export interface SignalInfo {
  /**
   * The signal's name as the file gives it (a WFDB description, an EDF label, a CSV column header):
   * data, kept as is (a terminal or a page escapes it when it shows it).
   */
  name: string;
  /** Whether the file names the signal; false when `name` is made up (`signal 0`). */
  named: boolean;
  /** Its physical unit as the file gives it ("mV", "uV"); "" when the file names none. */
  units: string;
  /** Samples per second. */
  fs: number;
  /** Number of samples. */
  length: number;
}

/** An annotation the file carries with its time (EDF+ time-stamped annotation lists). */
export interface TimedAnnotation {
  /** Seconds from the start of the recording. */
  onset: number;
  /** Seconds, when the file gives a duration. */
  duration?: number;
  text: string;
}

export interface EcgRecord {
  format: RecordFormat;
  /** The record as given: `data/mitdb/100` (WFDB, no extension), `x.edf`, `x.csv`. */
  path: string;
  /** Its name: `100`, `x`. */
  name: string;
  /** The file that messages about its signals blame: the WFDB header, the EDF or the CSV file. */
  file: string;
  signals: readonly SignalInfo[];
  /** Signal `index`'s samples in its physical units (SignalInfo.units); invalid samples are NaN. */
  samples(index: number): Float32Array;
  /** Annotations the file carries (EDF+); a WFDB record's annotation files are read apart. */
  annotations: readonly TimedAnnotation[];
  /** Free text the file carries (WFDB header comments, EDF patient and recording fields). */
  comments: readonly string[];
}

export interface ReadRecordOptions {
  /** Samples per second of a text record without a time column (--fs). */
  fs?: number;
}

/** What a record is without its samples: its name, the file to blame, its signals. */
export type RecordDescription = Pick<EcgRecord, "format" | "path" | "name" | "file" | "signals">;

/** One file format: which paths it claims, the files a record is, and the reading. */
export interface RecordReader {
  format: RecordFormat;
  /** Whether `recordPath` names a record of this format (by its extension; WFDB: by its header). */
  claims(recordPath: string): boolean;
  /** The record's name: the file's name without the format's extension (`100`, `x` for x.edf). */
  name(recordPath: string): string;
  /** The files a command reads for the record, for the output guard. */
  files(recordPath: string): GuardedInput[];
  read(recordPath: string, opts: ReadRecordOptions): EcgRecord;
  /**
   * The record's signals without reading their samples where the format allows it (a WFDB header;
   * a text record is read whole). A signal's length is 0 when the format does not say it (a WFDB
   * header without a sample count: a record still being written).
   */
  describe(recordPath: string, opts: ReadRecordOptions): RecordDescription;
}
