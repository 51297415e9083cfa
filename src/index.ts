// The library: `import { readRecord, readLead, detectQrs, loadModel, classifySignal } from "ecg-beats"`.
// A record of any format (WFDB, EDF/EDF+, CSV/text) → the lead the rule chooses, in mV → R peaks →
// beats labelled N S V F Q by a model (the shipped one for new patients by default). Everything
// here is the command line's own code: `ecg detect` and `ecg classify` call these same functions.
// Importing this module loads no libtorch; loadModel() does.

export { chooseLead, type LeadChoice, type LeadReason } from "./dataset/lead-rule.js";
export { describeLead, type Lead, type ReadLeadOptions, readLead } from "./dataset/read-lead.js";
export { EcgError, UsageError, UserError } from "./errors.js";
export { readRecord } from "./io/read-record.js";
export type { EcgRecord, ReadRecordOptions, RecordFormat, SignalInfo, TimedAnnotation } from "./io/record.js";
export type { BeatClassifier, ClassifierOptions } from "./models/classifier.js";
export { DEFAULT_MODEL } from "./models/model-file.js";
export { detectQrs } from "./qrs/detect.js";
export { PanTompkinsDetector, type PanTompkinsOptions } from "./qrs/pan-tompkins.js";
export { type ClassifiedBeats, type ClassifySignalOptions, classifySignal } from "./record/classify.js";
export { loadModel } from "./record/classify-records.js";
export { CLASS_NAMES, type ClassName } from "./vocabulary.js";
