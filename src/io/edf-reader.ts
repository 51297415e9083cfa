// EDF and EDF+ files (edf.ts) behind the record interface (record.ts): `x.edf`, its ordinary
// signals by their labels, each at its own rate, and its EDF+ annotations.
import path from "node:path";
import { readFileOrFail } from "../errors.js";
import { parseEdf } from "./edf.js";
import type { EcgRecord, RecordReader } from "./record.js";

const EXTENSION = /\.edf$/i;

export const edfReader: RecordReader = {
  format: "edf",
  claims: (recordPath) => EXTENSION.test(recordPath),
  name: recordName,
  files: (recordPath) => [{ file: recordPath, what: `the EDF file of record ${recordName(recordPath)}` }],
  describe: (recordPath) => edfReader.read(recordPath, {}),
  read(recordPath): EcgRecord {
    const edf = parseEdf(readFileOrFail(recordPath, "EDF file", path.basename(recordPath)), recordPath);
    return {
      format: "edf",
      path: recordPath,
      name: recordName(recordPath),
      file: recordPath,
      signals: edf.signals.map((s, k) => ({
        name: s.label !== "" ? s.label : `signal ${k}`,
        named: s.label !== "",
        units: s.units,
        fs: edf.fs[k]!,
        length: edf.dataRecords * s.samplesPerRecord,
      })),
      samples: (index) => edf.samples(index),
      annotations: edf.annotations,
      comments: [
        `${edf.kind}, ${edf.dataRecords} data records of ${edf.recordDuration} s, started ${edf.startDate} ${edf.startTime}`,
        ...(edf.patient !== "" ? [`patient: ${edf.patient}`] : []),
        ...(edf.recording !== "" ? [`recording: ${edf.recording}`] : []),
      ],
    };
  },
};

function recordName(recordPath: string): string {
  return path.basename(recordPath).replace(EXTENSION, "");
}
