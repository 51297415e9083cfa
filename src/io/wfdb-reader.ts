// WFDB records behind the record interface (record.ts): the header and signal files of src/wfdb/,
// each signal in its physical units. A WFDB record is named by its path without extension
// (data/mitdb/100), and it is one when `<path>.hea` exists.
import { existsSync } from "node:fs";
import path from "node:path";
import { type RecordHeader, readHeader } from "../wfdb/header.js";
import { namingRecord, readRecord, recordFiles, toPhysical } from "../wfdb/record.js";
import type { EcgRecord, RecordReader } from "./record.js";

export const wfdbReader: RecordReader = {
  format: "wfdb",
  claims: (recordPath) => existsSync(`${recordPath}.hea`),
  name: (recordPath) => path.basename(recordPath),
  files: (recordPath) => recordFiles(recordPath),
  describe(recordPath) {
    let header: RecordHeader;
    try {
      header = readHeader(recordPath);
    } catch (e) {
      throw namingRecord(e, recordPath);
    }
    return {
      format: "wfdb",
      path: recordPath,
      name: path.basename(recordPath),
      file: header.file,
      signals: header.signals.map((s) => ({
        name: s.description,
        named: s.described,
        units: s.units,
        fs: header.samplingFrequency,
        length: header.nSamples * s.samplesPerFrame,
      })),
    };
  },
  read(recordPath): EcgRecord {
    let record: ReturnType<typeof readRecord>;
    try {
      record = readRecord(recordPath);
    } catch (e) {
      throw namingRecord(e, recordPath);
    }
    const { header } = record;
    return {
      format: "wfdb",
      path: recordPath,
      name: path.basename(recordPath),
      file: header.file,
      signals: header.signals.map((s, i) => ({
        name: s.description,
        named: s.described,
        units: s.units,
        fs: header.samplingFrequency,
        length: record.digital[i]!.length,
      })),
      samples: (index) => toPhysical(record, index),
      annotations: [],
      comments: header.comments,
    };
  },
};
