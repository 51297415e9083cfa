// The safetensors checkpoint format (https://github.com/huggingface/safetensors), read and written
// without dependencies: 8-byte little-endian header length N, N bytes of JSON header (padded with
// spaces to a multiple of 8), then the raw little-endian tensor bytes. Each header entry is
// {"dtype", "shape", "data_offsets": [begin, end]} with offsets relative to the start of the data;
// the optional "__metadata__" entry is a string → string map.
//
// Reading validates the way the reference (Rust) library does: tensors must tile the data exactly
// (no overlap, no holes, no trailing bytes) and every byte size must equal shape × dtype size.
// Every failure is a CheckpointError naming the file and, where there is one, the tensor.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { endianness } from "node:os";
import { AtomicFile } from "../atomic-file.js";
import { CheckpointError } from "./errors.js";

/** The typed array that holds each dtype's elements. F16, BF16 and the F8 types are kept as raw bits. */
export interface DtypeArrays {
  F64: Float64Array;
  F32: Float32Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I64: BigInt64Array;
  I32: Int32Array;
  I16: Int16Array;
  I8: Int8Array;
  U64: BigUint64Array;
  U32: Uint32Array;
  U16: Uint16Array;
  U8: Uint8Array;
  /** One byte per element, 0 or 1. */
  BOOL: Uint8Array;
  F8_E4M3: Uint8Array;
  F8_E5M2: Uint8Array;
}

export type Dtype = keyof DtypeArrays;

/** One tensor: a discriminated union on `dtype`, so `data`'s type follows from it. Shape `[]` is a scalar. */
export type SafeTensor = { [D in Dtype]: { dtype: D; shape: number[]; data: DtypeArrays[D] } }[Dtype];

export interface SafetensorsContents {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** A header entry as stored: where the tensor's bytes are, relative to the start of the data. */
export interface TensorEntry {
  dtype: Dtype;
  shape: number[];
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  entries: Map<string, TensorEntry>;
  metadata: Record<string, string>;
  /** Byte offset of the data section in the file (8 + header length). */
  dataStart: number;
}

type TypedArrayConstructor = {
  new (buffer: ArrayBuffer): DtypeArrays[Dtype];
  readonly BYTES_PER_ELEMENT: number;
};

const DTYPES: { [D in Dtype]: TypedArrayConstructor } = {
  F64: Float64Array,
  F32: Float32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I64: BigInt64Array,
  I32: Int32Array,
  I16: Int16Array,
  I8: Int8Array,
  U64: BigUint64Array,
  U32: Uint32Array,
  U16: Uint16Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
  F8_E4M3: Uint8Array,
  F8_E5M2: Uint8Array,
};

/** The reference library refuses headers above 100 MB; so do we (a corrupt length must not allocate GBs). */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = "__metadata__";

export function isDtype(value: unknown): value is Dtype {
  return typeof value === "string" && Object.hasOwn(DTYPES, value);
}

export function dtypeByteSize(dtype: Dtype): number {
  return DTYPES[dtype].BYTES_PER_ELEMENT;
}

/** Number of elements of a shape; `[]` (a scalar) has one. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

// The format is little-endian and so are typed arrays on every host Node ships for; refuse the rest
// rather than silently byte-swapping wrong.
function assertLittleEndianHost(file: string): void {
  if (endianness() !== "LE") throw new CheckpointError(file, "io", "big-endian hosts are not supported");
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Reads and validates a whole safetensors file. Each tensor's data is its own (aligned) copy. */
export function readSafetensors(file: string): SafetensorsContents {
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const size = fstatSync(fd).size;
    bytes = Buffer.allocUnsafe(size);
    readFully(fd, bytes, 0);
  } catch (err) {
    throw new CheckpointError(file, "io", `cannot read: ${(err as Error).message}`, undefined, err);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return decodeSafetensors(bytes, file);
}

/** Reads and validates only the header (cheap: does not load the tensor data). */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const size = fstatSync(fd).size;
    const prefix = Buffer.alloc(Math.min(8, size));
    readFully(fd, prefix, 0);
    const headerLength = checkHeaderLength(file, prefix, size);
    const headerBytes = Buffer.alloc(headerLength);
    readFully(fd, headerBytes, 8);
    return parseHeader(file, headerBytes, size - 8 - headerLength);
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(file, "io", `cannot read: ${(err as Error).message}`, undefined, err);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Decodes a safetensors image held in memory; `file` only names it in errors. */
export function decodeSafetensors(bytes: Uint8Array, file = "<buffer>"): SafetensorsContents {
  assertLittleEndianHost(file);
  const headerLength = checkHeaderLength(file, bytes, bytes.byteLength);
  const dataStart = 8 + headerLength;
  const header = parseHeader(file, bytes.subarray(8, dataStart), bytes.byteLength - dataStart);
  const tensors = new Map<string, SafeTensor>();
  for (const [name, entry] of header.entries) {
    const [begin, end] = entry.dataOffsets;
    // Copy into a fresh buffer: the tensor's offset in the file need not be aligned for its type.
    const buffer = new ArrayBuffer(end - begin);
    new Uint8Array(buffer).set(bytes.subarray(dataStart + begin, dataStart + end));
    const data = new DTYPES[entry.dtype](buffer);
    tensors.set(name, { dtype: entry.dtype, shape: entry.shape, data } as SafeTensor);
  }
  return { tensors, metadata: header.metadata };
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.byteLength) {
    const n = readSync(fd, into, done, into.byteLength - done, position + done);
    if (n === 0) break; // end of file: callers size buffers from fstat, so only a racing truncation lands here
    done += n;
  }
}

/** Validates the 8-byte length prefix against the file size; returns the header length. */
function checkHeaderLength(file: string, prefix: Uint8Array, fileSize: number): number {
  if (fileSize < 8 || prefix.byteLength < 8) {
    throw new CheckpointError(
      file,
      "truncated",
      `file is truncated: ${fileSize} bytes, less than the 8-byte header length`,
    );
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const length = view.getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new CheckpointError(
      file,
      "header-too-large",
      `header length ${length} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt or not a safetensors file)`,
    );
  }
  if (8n + length > BigInt(fileSize)) {
    throw new CheckpointError(
      file,
      "header-too-large",
      `header length ${length} runs past the end of the file (${fileSize} bytes): truncated or not a safetensors file`,
    );
  }
  return Number(length);
}

function parseHeader(file: string, headerBytes: Uint8Array, dataLength: number): SafetensorsHeader {
  let json: unknown;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
    if (!text.startsWith("{")) throw new SyntaxError("header does not start with '{'");
    json = JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(
      file,
      "bad-json",
      `header is not valid JSON: ${(err as Error).message}`,
      undefined,
      err,
    );
  }
  if (!isPlainObject(json)) throw new CheckpointError(file, "bad-header", "header is not a JSON object");

  const entries = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(json)) {
    if (name === METADATA_KEY) {
      metadata = parseMetadata(file, raw);
    } else {
      entries.set(name, parseEntry(file, name, raw));
    }
  }
  checkTiling(file, entries, dataLength);
  return { entries, metadata, dataStart: 8 + headerBytes.byteLength };
}

function parseMetadata(file: string, raw: unknown): Record<string, string> {
  if (raw === null) return {};
  if (!isPlainObject(raw))
    throw new CheckpointError(file, "bad-header", `"${METADATA_KEY}" is not an object`);
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== "string") {
      throw new CheckpointError(file, "bad-header", `metadata "${key}" is not a string`);
    }
    metadata[key] = value;
  }
  return metadata;
}

function parseEntry(file: string, name: string, raw: unknown): TensorEntry {
  if (!isPlainObject(raw))
    throw new CheckpointError(file, "bad-header", "header entry is not an object", name);
  const { dtype, shape, data_offsets: offsets } = raw;
  if (!isDtype(dtype))
    throw new CheckpointError(file, "dtype", `unknown dtype ${JSON.stringify(dtype)}`, name);
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw new CheckpointError(
      file,
      "bad-header",
      `shape ${JSON.stringify(shape)} is not a list of sizes`,
      name,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every(isNonNegativeInteger) ||
    offsets[0] > offsets[1]
  ) {
    throw new CheckpointError(
      file,
      "offsets",
      `data_offsets ${JSON.stringify(offsets)} are not [begin, end]`,
      name,
    );
  }
  const [begin, end] = offsets as [number, number];
  const expected = shapeSize(shape) * dtypeByteSize(dtype);
  if (end - begin !== expected) {
    throw new CheckpointError(
      file,
      "size",
      `${end - begin} bytes of data but ${dtype} shape [${shape.join(", ")}] needs ${expected}`,
      name,
    );
  }
  return { dtype, shape: [...shape], dataOffsets: [begin, end] };
}

/** The tensors must cover the data section exactly once: no overlap, no hole, nothing after. */
function checkTiling(file: string, entries: Map<string, TensorEntry>, dataLength: number): void {
  const byOffset = [...entries].sort(
    ([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1],
  );
  let cursor = 0;
  let previous: string | undefined;
  for (const [name, { dataOffsets }] of byOffset) {
    const [begin, end] = dataOffsets;
    if (begin < cursor) {
      throw new CheckpointError(file, "overlap", `bytes ${begin}..${end} overlap tensor "${previous}"`, name);
    }
    if (begin > cursor) {
      throw new CheckpointError(
        file,
        "offsets",
        `starts at ${begin}, leaving bytes ${cursor}..${begin} unused`,
        name,
      );
    }
    cursor = end;
    previous = name;
  }
  if (cursor > dataLength) {
    throw new CheckpointError(
      file,
      "truncated",
      `file is truncated: the header describes ${cursor} data bytes, the file has ${dataLength}`,
      previous,
    );
  }
  if (cursor < dataLength) {
    throw new CheckpointError(
      file,
      "offsets",
      `${dataLength - cursor} bytes after the last tensor belong to no tensor`,
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

// ---------------------------------------------------------------------------------------------
// Writing

export type TensorCollection = ReadonlyMap<string, SafeTensor> | Readonly<Record<string, SafeTensor>>;

/**
 * Writes a safetensors file atomically (src/atomic-file.ts: a temporary file beside it, fsynced, then
 * renamed over `file`), so a crash leaves either the old file or the complete new one. Tensors are laid out in
 * sorted name order; the header is padded with spaces to a multiple of 8 bytes.
 */
export function writeSafetensors(
  file: string,
  tensors: TensorCollection,
  metadata: Record<string, string> = {},
): void {
  const { prefix, parts } = layout(file, tensors, metadata);
  let out: AtomicFile | undefined;
  try {
    out = new AtomicFile(file);
    out.write(prefix);
    for (const part of parts) out.write(part);
    out.commit();
  } catch (err) {
    out?.abort();
    throw new CheckpointError(file, "io", `cannot write: ${(err as Error).message}`, undefined, err);
  }
}

/** The bytes of a safetensors file, in memory. */
export function encodeSafetensors(
  tensors: TensorCollection,
  metadata: Record<string, string> = {},
  file = "<buffer>",
): Uint8Array {
  const { prefix, parts } = layout(file, tensors, metadata);
  const total = parts.reduce((n, p) => n + p.byteLength, prefix.byteLength);
  const out = new Uint8Array(total);
  out.set(prefix, 0);
  let at = prefix.byteLength;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** Validates the tensors and builds the length prefix + header and the list of data byte views. */
function layout(
  file: string,
  tensors: TensorCollection,
  metadata: Record<string, string>,
): { prefix: Uint8Array; parts: Uint8Array[] } {
  assertLittleEndianHost(file);
  const named = tensors instanceof Map ? [...tensors] : Object.entries(tensors as Record<string, SafeTensor>);
  named.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  const header: Record<string, unknown> = {};
  const metadataEntries = Object.entries(metadata);
  if (metadataEntries.length > 0) {
    for (const [key, value] of metadataEntries) {
      if (typeof value !== "string")
        throw new CheckpointError(file, "bad-header", `metadata "${key}" is not a string`);
    }
    header[METADATA_KEY] = metadata;
  }
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of named) {
    checkTensor(file, name, tensor);
    const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    header[name] = {
      dtype: tensor.dtype,
      shape: tensor.shape,
      data_offsets: [offset, offset + bytes.byteLength],
    };
    parts.push(bytes);
    offset += bytes.byteLength;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const prefix = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(padded), true);
  prefix.set(json, 8);
  return { prefix, parts };
}

function checkTensor(file: string, name: string, tensor: SafeTensor): void {
  if (name === "" || name === METADATA_KEY) {
    throw new CheckpointError(file, "bad-header", `"${name}" is not a valid tensor name`, name);
  }
  if (!isDtype(tensor.dtype)) {
    throw new CheckpointError(file, "dtype", `unknown dtype ${JSON.stringify(tensor.dtype)}`, name);
  }
  if (!(tensor.data instanceof DTYPES[tensor.dtype])) {
    throw new CheckpointError(
      file,
      "dtype",
      `${tensor.dtype} data must be a ${DTYPES[tensor.dtype].name}, got ${tensor.data?.constructor?.name}`,
      name,
    );
  }
  if (!Array.isArray(tensor.shape) || !tensor.shape.every(isNonNegativeInteger)) {
    throw new CheckpointError(
      file,
      "bad-header",
      `shape ${JSON.stringify(tensor.shape)} is not a list of sizes`,
      name,
    );
  }
  const expected = shapeSize(tensor.shape);
  if (tensor.data.length !== expected) {
    throw new CheckpointError(
      file,
      "size",
      `${tensor.data.length} elements but shape [${tensor.shape.join(", ")}] needs ${expected}`,
      name,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Conversions

/** Decodes IEEE half-precision bits. */
export function f16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Any numeric tensor's values as float32 (F16/BF16 decoded, integers converted; int64 beyond 2^53 loses precision). */
export function toFloat32Array(tensor: SafeTensor): Float32Array {
  const n = tensor.data.length;
  switch (tensor.dtype) {
    case "F32":
      return tensor.data;
    case "F16":
      return Float32Array.from(tensor.data, f16BitsToNumber);
    case "BF16": {
      // bfloat16 is the top half of a float32
      const wide = new Uint32Array(n);
      for (let i = 0; i < n; i++) wide[i] = tensor.data[i]! << 16;
      return new Float32Array(wide.buffer);
    }
    case "I64":
    case "U64":
      return Float32Array.from(tensor.data, Number);
    case "F8_E4M3":
    case "F8_E5M2":
      throw new Error(`toFloat32Array: ${tensor.dtype} is not supported`);
    default:
      return Float32Array.from(tensor.data);
  }
}
