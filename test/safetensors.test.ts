import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { CheckpointError, type CheckpointErrorReason } from "../src/nn/errors.js";
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  type SafeTensor,
  toFloat32Array,
  writeSafetensors,
} from "../src/nn/safetensors.js";

const dir = mkdtempSync(path.join(tmpdir(), "ecg-safetensors-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** One tensor of every dtype, scalars (the BatchNorm `num_batches_tracked` kind) and an empty one. */
function everyDtype(): Map<string, SafeTensor> {
  return new Map<string, SafeTensor>([
    ["f64", { dtype: "F64", shape: [2, 2], data: new Float64Array([1.5, -2.25, Math.PI, -0]) }],
    ["f32", { dtype: "F32", shape: [3], data: new Float32Array([0.1, -3e38, 1e-40]) }],
    ["f32.scalar", { dtype: "F32", shape: [], data: new Float32Array([0.25]) }],
    ["f32.empty", { dtype: "F32", shape: [0, 3], data: new Float32Array(0) }],
    ["f16", { dtype: "F16", shape: [2], data: new Uint16Array([0x3c00, 0xc000]) }],
    ["bf16", { dtype: "BF16", shape: [2], data: new Uint16Array([0x3f80, 0xc040]) }],
    ["stage0.1.num_batches_tracked", { dtype: "I64", shape: [], data: new BigInt64Array([12345n]) }],
    [
      "i64",
      {
        dtype: "I64",
        shape: [3],
        data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 9007199254740993n]),
      },
    ],
    ["u64", { dtype: "U64", shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) }],
    ["i32", { dtype: "I32", shape: [2, 1, 2], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, 7]) }],
    ["u32", { dtype: "U32", shape: [1], data: new Uint32Array([2 ** 32 - 1]) }],
    ["i16", { dtype: "I16", shape: [2], data: new Int16Array([-32768, 32767]) }],
    ["u16", { dtype: "U16", shape: [1], data: new Uint16Array([65535]) }],
    ["i8", { dtype: "I8", shape: [2], data: new Int8Array([-128, 127]) }],
    ["u8", { dtype: "U8", shape: [3], data: new Uint8Array([0, 128, 255]) }],
    ["bool", { dtype: "BOOL", shape: [3], data: new Uint8Array([1, 0, 1]) }],
    ["f8e4m3", { dtype: "F8_E4M3", shape: [1], data: new Uint8Array([0x38]) }],
    ["f8e5m2", { dtype: "F8_E5M2", shape: [1], data: new Uint8Array([0x3c]) }],
  ]);
}

test("every dtype round-trips, int64 scalars included", () => {
  const file = path.join(dir, "every.safetensors");
  const tensors = everyDtype();
  writeSafetensors(file, tensors, { config: '{"dim":8}', note: "écg ✓" });
  const back = readSafetensors(file);
  assert.deepEqual(back.metadata, { config: '{"dim":8}', note: "écg ✓" });
  assert.deepEqual([...back.tensors.keys()].sort(), [...tensors.keys()].sort());
  for (const [name, t] of tensors) {
    const r = back.tensors.get(name)!;
    assert.equal(r.dtype, t.dtype, name);
    assert.deepEqual(r.shape, t.shape, name);
    assert.equal(r.data.constructor, t.data.constructor, name);
    assert.deepEqual(r.data, t.data, name);
  }
  const nbt = back.tensors.get("stage0.1.num_batches_tracked")!;
  assert.ok(nbt.dtype === "I64" && nbt.data[0] === 12345n && nbt.shape.length === 0);
});

test("layout: sorted names, contiguous offsets, header padded with spaces to 8 bytes", () => {
  const bytes = encodeSafetensors(everyDtype(), { a: "b" });
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const text = Buffer.from(bytes.subarray(8, 8 + n)).toString("utf8");
  assert.match(text, /^\{"__metadata__":\{"a":"b"\},/);
  assert.match(text, /\} *$/);
  assert.ok(text.trimEnd().length > n - 8, "at most 7 bytes of padding");
  const header = JSON.parse(text) as Record<string, { data_offsets: [number, number] }>;
  const names = Object.keys(header).filter((k) => k !== "__metadata__");
  assert.deepEqual(names, [...names].sort());
  let cursor = 0;
  for (const name of names) {
    assert.equal(header[name]!.data_offsets[0], cursor, name);
    cursor = header[name]!.data_offsets[1];
  }
  assert.equal(8 + n + cursor, bytes.byteLength);
  // without metadata there is no __metadata__ entry
  assert.doesNotMatch(Buffer.from(encodeSafetensors(new Map())).toString("latin1"), /__metadata__/);
});

test("typed-array views into a larger buffer are written from their own bytes", () => {
  const backing = new Float32Array([9, 9, 1, 2, 3, 9]);
  const view = backing.subarray(2, 5);
  const out = decodeSafetensors(encodeSafetensors({ w: { dtype: "F32", shape: [3], data: view } }));
  assert.deepEqual(out.tensors.get("w")!.data, new Float32Array([1, 2, 3]));
});

test("readSafetensorsHeader reads entries and metadata without the data", () => {
  const file = path.join(dir, "header.safetensors");
  writeSafetensors(file, everyDtype(), { k: "v" });
  const h = readSafetensorsHeader(file);
  assert.deepEqual(h.metadata, { k: "v" });
  assert.deepEqual(h.entries.get("i32"), {
    dtype: "I32",
    shape: [2, 1, 2],
    dataOffsets: h.entries.get("i32")!.dataOffsets,
  });
  assert.equal(h.entries.size, everyDtype().size);
  assert.equal((h.dataStart - 8) % 8, 0);
});

test("the write is atomic: no temporary file left, a failed write leaves the old file as it was", () => {
  const sub = path.join(dir, "atomic");
  mkdirSync(sub);
  const file = path.join(sub, "model.safetensors");
  writeSafetensors(file, { a: { dtype: "F32", shape: [1], data: new Float32Array([1]) } });
  const before = readFileSync(file);
  writeSafetensors(file, { a: { dtype: "F32", shape: [1], data: new Float32Array([2]) } });
  assert.deepEqual(readdirSync(sub), ["model.safetensors"]);
  assert.notDeepEqual(readFileSync(file), before);
  const second = readFileSync(file);

  // invalid tensors are refused before anything touches the disk
  assert.throws(
    () => writeSafetensors(file, { a: { dtype: "F32", shape: [2], data: new Float32Array([3]) } }),
    CheckpointError,
  );
  assert.deepEqual(readFileSync(file), second);
  // a failing rename (the target is a directory) removes the temporary file
  const target = path.join(sub, "is-a-directory");
  mkdirSync(target);
  assert.throws(
    () => writeSafetensors(target, { a: { dtype: "F32", shape: [1], data: new Float32Array([1]) } }),
    (err: unknown) => err instanceof CheckpointError && err.reason === "io" && err.file === target,
  );
  assert.deepEqual(readdirSync(sub).sort(), ["is-a-directory", "model.safetensors"]);
});

test("writing refuses data that does not match its dtype or shape, and reserved names", () => {
  const file = path.join(dir, "refused.safetensors");
  const cases: [Record<string, SafeTensor>, CheckpointErrorReason, string][] = [
    [
      { w: { dtype: "F32", shape: [2], data: new Float64Array([1, 2]) } as unknown as SafeTensor },
      "dtype",
      "w",
    ],
    [{ w: { dtype: "I64", shape: [], data: new BigInt64Array(2) } }, "size", "w"],
    [{ w: { dtype: "F32", shape: [-1], data: new Float32Array(1) } }, "bad-header", "w"],
    [{ __metadata__: { dtype: "F32", shape: [1], data: new Float32Array(1) } }, "bad-header", "__metadata__"],
    [{ w: { dtype: "F31", shape: [1], data: new Float32Array(1) } as unknown as SafeTensor }, "dtype", "w"],
  ];
  for (const [tensors, reason, tensor] of cases) {
    assert.throws(
      () => writeSafetensors(file, tensors),
      (err: unknown) =>
        err instanceof CheckpointError && err.reason === reason && err.tensor === tensor && err.file === file,
      `${reason} ${tensor}`,
    );
  }
  assert.throws(
    () => writeSafetensors(file, {}, { n: 1 } as unknown as Record<string, string>),
    (err: unknown) => err instanceof CheckpointError && err.reason === "bad-header",
  );
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith(".refused")),
    [],
  );
});

test("toFloat32Array decodes half precision, bfloat16 and integers", () => {
  const f16 = toFloat32Array({
    dtype: "F16",
    shape: [6],
    data: new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x3555]),
  });
  assert.deepEqual([...f16.subarray(0, 5)], [1, -2, 65504, 2 ** -24, Number.POSITIVE_INFINITY]);
  assert.ok(Math.abs(f16[5]! - 1 / 3) < 1e-3);
  assert.deepEqual(
    [...toFloat32Array({ dtype: "BF16", shape: [2], data: new Uint16Array([0x3f80, 0xc040]) })],
    [1, -3],
  );
  assert.deepEqual([...toFloat32Array({ dtype: "I64", shape: [], data: new BigInt64Array([42n]) })], [42]);
  assert.deepEqual(
    [...toFloat32Array({ dtype: "U8", shape: [2], data: new Uint8Array([3, 255]) })],
    [3, 255],
  );
});

// ---------------------------------------------------------------------------------------------
// Malformed files: each gives a CheckpointError naming the file (and the tensor).

/** A file image from a raw header (object or text) and data bytes; `length` overrides the length field. */
function rawImage(header: object | string, data: Uint8Array | number[], length?: bigint): Buffer {
  const text = Buffer.from(typeof header === "string" ? header : JSON.stringify(header), "utf8");
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(length ?? BigInt(text.byteLength));
  return Buffer.concat([prefix, text, Buffer.from(data)]);
}

const f32 = (begin: number, end: number, shape = [(end - begin) / 4]) => ({
  dtype: "F32",
  shape,
  data_offsets: [begin, end],
});

function expectBroken(
  name: string,
  image: Buffer | Uint8Array,
  reason: CheckpointErrorReason,
  tensor?: string,
  message?: RegExp,
): void {
  const file = path.join(dir, `${name}.safetensors`);
  writeFileSync(file, image);
  for (const read of [readSafetensors, readSafetensorsHeader]) {
    assert.throws(
      () => read(file),
      (err: unknown) => {
        assert.ok(err instanceof CheckpointError, `${name}: ${String(err)}`);
        assert.equal(err.reason, reason, `${name}: ${err.message}`);
        assert.equal(err.file, file);
        assert.ok(err.message.startsWith(`${file}: `), err.message);
        assert.equal(err.tensor, tensor, `${name}: ${err.message}`);
        if (tensor !== undefined) assert.ok(err.message.includes(`"${tensor}"`), err.message);
        if (message) assert.match(err.message, message);
        return true;
      },
      name,
    );
  }
}

test("a truncated file is a CheckpointError", () => {
  const good = encodeSafetensors({ a: { dtype: "F32", shape: [4], data: new Float32Array(4) } });
  expectBroken("truncated-prefix", good.subarray(0, 5), "truncated", undefined, /truncated/);
  expectBroken("truncated-data", good.subarray(0, good.byteLength - 3), "truncated", "a", /truncated/);
  expectBroken("empty", new Uint8Array(0), "truncated");
});

test("a header length beyond the file or the limit is a CheckpointError", () => {
  expectBroken("huge-length", rawImage({}, [], 2n ** 40n), "header-too-large", undefined, /limit/);
  expectBroken("u64-max-length", rawImage({}, [], 2n ** 64n - 1n), "header-too-large");
  expectBroken("length-past-end", rawImage({}, [], 100n), "header-too-large", undefined, /past the end/);
});

test("a header that is not JSON, or not a safetensors header, is a CheckpointError", () => {
  expectBroken("bad-json", rawImage('{"a": {', []), "bad-json");
  expectBroken("not-object", rawImage("[1, 2]  ", []), "bad-json");
  // length 2, header bytes "{" and 0xff: not UTF-8
  expectBroken("bad-utf8", Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0xff]), "bad-json");
  expectBroken("entry-not-object", rawImage({ a: 3 }, []), "bad-header", "a");
  expectBroken("metadata-not-strings", rawImage({ __metadata__: { n: 1 } }, []), "bad-header");
  expectBroken(
    "shape-not-list",
    rawImage({ a: { ...f32(0, 4), shape: "4" } }, new Uint8Array(4)),
    "bad-header",
    "a",
  );
});

test("offsets out of range, holes and trailing bytes are CheckpointErrors", () => {
  expectBroken(
    "begin-after-end",
    rawImage({ a: { ...f32(0, 0), data_offsets: [8, 4] } }, new Uint8Array(8)),
    "offsets",
    "a",
  );
  expectBroken(
    "negative",
    rawImage({ a: { ...f32(0, 4), data_offsets: [-4, 0] } }, new Uint8Array(4)),
    "offsets",
    "a",
  );
  expectBroken(
    "not-pair",
    rawImage({ a: { ...f32(0, 4), data_offsets: [0] } }, new Uint8Array(4)),
    "offsets",
    "a",
  );
  expectBroken(
    "hole",
    rawImage({ a: f32(0, 4), b: f32(8, 12) }, new Uint8Array(12)),
    "offsets",
    "b",
    /unused/,
  );
  expectBroken("trailing", rawImage({ a: f32(0, 4) }, new Uint8Array(8)), "offsets", undefined, /no tensor/);
  expectBroken("past-data", rawImage({ a: f32(0, 4), b: f32(4, 12) }, new Uint8Array(8)), "truncated", "b");
});

test("overlapping tensors are a CheckpointError", () => {
  expectBroken(
    "overlap",
    rawImage({ a: f32(0, 8), b: f32(4, 12) }, new Uint8Array(12)),
    "overlap",
    "b",
    /"a"/,
  );
  expectBroken("same-bytes", rawImage({ a: f32(0, 8), b: f32(0, 8) }, new Uint8Array(8)), "overlap", "b");
});

test("dtype, shape and byte size that disagree are CheckpointErrors", () => {
  expectBroken(
    "unknown-dtype",
    rawImage({ a: { ...f32(0, 4), dtype: "F33" } }, new Uint8Array(4)),
    "dtype",
    "a",
  );
  expectBroken("size", rawImage({ a: f32(0, 8, [3]) }, new Uint8Array(8)), "size", "a", /needs 12/);
  expectBroken(
    "scalar-size",
    rawImage({ a: { dtype: "I64", shape: [], data_offsets: [0, 4] } }, new Uint8Array(4)),
    "size",
    "a",
  );
});
