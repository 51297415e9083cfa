#!/usr/bin/python3
"""A minimal safetensors reader and writer for PyTorch state dicts (no `safetensors` package needed).

Format: 8-byte little-endian header length N, N bytes of JSON header padded with spaces to a
multiple of 8, then the raw little-endian tensor data. Each header entry is
{"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the data); "__metadata__"
is an optional string → string map. Tensors are written in sorted name order, as src/nn/safetensors.ts
does, so both sides write byte-identical files for the same tensors and metadata.

Run with Debian's interpreter (it has torch):

    /usr/bin/python3 tools/pytorch/safetensors_io.py dump FILE [--json]      # names, dtypes, shapes, values
    /usr/bin/python3 tools/pytorch/safetensors_io.py write-sample OUT [--json]  # every dtype, for cross tests
"""
from __future__ import annotations

import argparse
import json
import math
import os
import struct
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

#: safetensors dtype name ↔ torch dtype (those torch 1.13 has; U16/U32/U64/F8 are not readable here).
DTYPE_TO_TORCH: Dict[str, torch.dtype] = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
TORCH_TO_DTYPE: Dict[torch.dtype, str] = {v: k for k, v in DTYPE_TO_TORCH.items()}
#: Bytes per element of every dtype of the format (so sizes can be checked even for unreadable dtypes).
DTYPE_SIZE: Dict[str, int] = {
    "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
    "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1,
}  # fmt: skip
METADATA_KEY = "__metadata__"
MAX_HEADER_BYTES = 100_000_000

if sys.byteorder != "little":  # the format is little-endian; so is every host torch ships for
    raise RuntimeError("safetensors_io: big-endian hosts are not supported")


class SafetensorsError(ValueError):
    """A malformed safetensors file; the message names the file (and the tensor)."""


def _tensor_bytes(tensor: torch.Tensor) -> bytes:
    # Reinterpret as bytes without a numpy dtype for bf16; reshape(-1) makes 0-d tensors viewable.
    flat = tensor.detach().contiguous().cpu().reshape(-1)
    if flat.numel() == 0:
        return b""
    return flat.view(torch.uint8).numpy().tobytes()


def encode(tensors: Dict[str, torch.Tensor], metadata: Optional[Dict[str, str]] = None) -> bytes:
    """The bytes of a safetensors file holding `tensors` (sorted by name) and `metadata`."""
    header: Dict[str, object] = {}
    if metadata:
        for key, value in metadata.items():
            if not isinstance(value, str):
                raise SafetensorsError(f"metadata {key!r} is not a string")
        header[METADATA_KEY] = metadata
    chunks: List[bytes] = []
    offset = 0
    for name in sorted(tensors):
        if name == METADATA_KEY or not name:
            raise SafetensorsError(f"{name!r} is not a valid tensor name")
        tensor = tensors[name]
        if tensor.dtype not in TORCH_TO_DTYPE:
            raise SafetensorsError(f"tensor {name!r}: dtype {tensor.dtype} cannot be stored")
        data = _tensor_bytes(tensor)
        header[name] = {
            "dtype": TORCH_TO_DTYPE[tensor.dtype],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def save_file(tensors: Dict[str, torch.Tensor], path: str, metadata: Optional[Dict[str, str]] = None) -> None:
    """Writes atomically: a temporary file beside `path`, fsynced, renamed over it."""
    data = encode(tensors, metadata)
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp makes it 0600; a checkpoint gets the usual mode
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def decode(data: bytes, name: str = "<bytes>") -> Tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    """Tensors (in file order of names) and metadata of a safetensors image; validates as the TS reader."""
    if len(data) < 8:
        raise SafetensorsError(f"{name}: file is truncated ({len(data)} bytes)")
    (length,) = struct.unpack("<Q", data[:8])
    if length > MAX_HEADER_BYTES or 8 + length > len(data):
        raise SafetensorsError(f"{name}: header length {length} is too large for a {len(data)}-byte file")
    try:
        header = json.loads(data[8 : 8 + length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SafetensorsError(f"{name}: header is not valid JSON: {err}") from err
    if not isinstance(header, dict):
        raise SafetensorsError(f"{name}: header is not a JSON object")
    metadata = header.pop(METADATA_KEY, None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise SafetensorsError(f"{name}: {METADATA_KEY} is not a string map")
    body = memoryview(data)[8 + length :]
    tensors: Dict[str, torch.Tensor] = {}
    cursor = 0
    entries: Dict[str, Tuple[str, List[int], int, int]] = {}
    for key, entry in header.items():
        try:
            dtype, shape, (begin, end) = entry["dtype"], list(entry["shape"]), entry["data_offsets"]
            if not all(isinstance(x, int) and x >= 0 for x in [*shape, begin, end]) or begin > end:
                raise ValueError("negative or non-integer sizes or offsets")
        except (TypeError, KeyError, ValueError) as err:
            raise SafetensorsError(f"{name}: tensor {key!r}: malformed header entry ({err})") from err
        entries[key] = (dtype, shape, begin, end)
    for key, (dtype, shape, begin, end) in sorted(entries.items(), key=lambda kv: kv[1][2:]):
        if dtype not in DTYPE_SIZE:
            raise SafetensorsError(f"{name}: tensor {key!r}: unknown dtype {dtype!r}")
        if end - begin != math.prod(shape) * DTYPE_SIZE[dtype]:
            raise SafetensorsError(f"{name}: tensor {key!r}: {end - begin} bytes do not fit {dtype} {shape}")
        if begin != cursor:
            raise SafetensorsError(f"{name}: tensor {key!r}: offsets {begin}..{end} overlap or leave a hole")
        if end > len(body):
            raise SafetensorsError(f"{name}: file is truncated (tensor {key!r} ends at {end}, data has {len(body)})")
        cursor = end
        if dtype not in DTYPE_TO_TORCH:
            raise SafetensorsError(f"{name}: tensor {key!r}: dtype {dtype} is not supported by torch {torch.__version__}")
        torch_dtype = DTYPE_TO_TORCH[dtype]
        if begin == end:
            tensors[key] = torch.empty(shape, dtype=torch_dtype)
        else:
            raw = torch.frombuffer(bytearray(body[begin:end]), dtype=torch.uint8)
            tensors[key] = raw.view(torch_dtype).reshape(shape)
    if cursor != len(body):
        raise SafetensorsError(f"{name}: {len(body) - cursor} bytes after the last tensor belong to no tensor")
    return {k: tensors[k] for k in header}, metadata


def load(path: str) -> Tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    """Tensors and metadata of a safetensors file."""
    with open(path, "rb") as f:
        return decode(f.read(), path)


def load_file(path: str) -> Dict[str, torch.Tensor]:
    """Tensors of a safetensors file (like safetensors.torch.load_file)."""
    return load(path)[0]


# ---------------------------------------------------------------------------------------------
# Command line: dump a file as JSON (for cross-language tests) or write a sample of every dtype.


def _json_value(x: object) -> object:
    """JSON has no NaN/Infinity and no 64-bit integers: encode those as strings."""
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def tensor_to_json(tensor: torch.Tensor) -> Dict[str, object]:
    dtype = TORCH_TO_DTYPE[tensor.dtype]
    flat = tensor.reshape(-1)
    if dtype in ("I64",):
        values: List[object] = [str(v) for v in flat.tolist()]
    elif dtype in ("F16", "BF16"):
        values = [_json_value(v) for v in flat.float().tolist()]
    else:
        values = [_json_value(v) for v in flat.tolist()]
    return {"dtype": dtype, "shape": list(tensor.shape), "values": values}


def sample_tensors() -> Dict[str, torch.Tensor]:
    """Deterministic tensors of every dtype torch can store, including scalars and an empty tensor."""
    g = torch.Generator().manual_seed(7)
    return {
        "f32.matrix": torch.randn(3, 4, generator=g),
        "f64.vector": torch.randn(5, generator=g, dtype=torch.float64),
        "f16.vector": torch.randn(6, generator=g).half(),
        "bf16.vector": torch.randn(6, generator=g).bfloat16(),
        "i64.scalar": torch.tensor(123456789012345, dtype=torch.int64),
        "i64.big": torch.tensor([-(2**62) - 5, 2**62 + 7, 0], dtype=torch.int64),
        "bn.num_batches_tracked": torch.tensor(42, dtype=torch.int64),
        "i32.cube": torch.arange(-12, 12, dtype=torch.int32).reshape(2, 3, 4),
        "i16.vector": torch.tensor([-32768, 0, 32767], dtype=torch.int16),
        "i8.vector": torch.tensor([-128, 5, 127], dtype=torch.int8),
        "u8.vector": torch.tensor([0, 1, 200, 255], dtype=torch.uint8),
        "bool.vector": torch.tensor([True, False, True]),
        "f32.scalar": torch.tensor(0.25),
        "f32.empty": torch.zeros(0, 3),
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    dump = sub.add_parser("dump", help="print a file's metadata and tensors")
    dump.add_argument("file")
    dump.add_argument("--json", action="store_true", help="one JSON document with every value")
    sample = sub.add_parser("write-sample", help="write tensors of every dtype (deterministic)")
    sample.add_argument("out")
    sample.add_argument("--json", action="store_true", help="also print what was written, as `dump --json`")
    args = parser.parse_args(argv)

    if args.command == "write-sample":
        tensors = sample_tensors()
        metadata = {"format": "pt", "note": "écg ✓ sample"}
        save_file(tensors, args.out, metadata)
    else:
        try:
            tensors, metadata = load(args.file)
        except (OSError, SafetensorsError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
    if args.json:
        doc = {"metadata": metadata, "tensors": {k: tensor_to_json(v) for k, v in tensors.items()}}
        json.dump(doc, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.command == "dump":
        for key, value in metadata.items():
            print(f"metadata {key} = {value}")
        for key, tensor in tensors.items():
            print(f"{key} {TORCH_TO_DTYPE[tensor.dtype]} {list(tensor.shape)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
