#!/usr/bin/python3
"""Loads a checkpoint (e.g. written by the TypeScript side) into the PyTorch reference and checks its outputs.

    /usr/bin/python3 tools/pytorch/check_checkpoint.py --checkpoint FILE [--input FILE] [--expect FILE] [--json]

The model's knobs come from the checkpoint's `config` metadata (JSON), else its `preset` metadata,
else --preset. The state dict is loaded strictly (every name and shape must match; tensors named
`__fixture__.*` are not part of it). The model runs in eval mode on the beats of --input (tensor
`__fixture__.input`, or --input-name; default: the checkpoint's own), with the rhythm features of the
same file (`__fixture__.rhythm`, or --rhythm-name) for a rhythm preset, and prints the softmax
probabilities. With expected probabilities (--expect FILE's `__fixture__.probs`, or --expect-name;
default: the checkpoint's own, when it has them) it prints the largest absolute difference and
exits 1 when it is above --atol. Exit 0: matched (or nothing to compare); 1: mismatch or a bad file.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Dict, List, Optional

import torch

from safetensors_io import SafetensorsError, load
from seed_model import PRESETS, ModelConfig, build_model, config_from_json

FIXTURE_PREFIX = "__fixture__."


def model_config(metadata: Dict[str, str], preset: Optional[str]) -> ModelConfig:
    if preset is not None:
        return PRESETS[preset]
    if "config" in metadata:
        return config_from_json(metadata["config"])
    if metadata.get("preset") in PRESETS:
        return PRESETS[metadata["preset"]]
    raise ValueError("the checkpoint has no `config` or `preset` metadata: pass --preset")


def pick(tensors: Dict[str, torch.Tensor], name: str, file: str) -> torch.Tensor:
    if name not in tensors:
        raise ValueError(f"{file}: no tensor named {name!r}")
    return tensors[name]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--input", help="safetensors file with the beats (default: the checkpoint)")
    parser.add_argument("--input-name", default=FIXTURE_PREFIX + "input")
    parser.add_argument("--rhythm-name", default=FIXTURE_PREFIX + "rhythm")
    parser.add_argument("--expect", help="safetensors file with expected probabilities (default: the checkpoint)")
    parser.add_argument("--expect-name", default=FIXTURE_PREFIX + "probs")
    parser.add_argument("--preset", choices=sorted(PRESETS), help="override the checkpoint's config")
    parser.add_argument("--atol", type=float, default=1e-5)
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    args = parser.parse_args(argv)

    try:
        tensors, metadata = load(args.checkpoint)
        config = model_config(metadata, args.preset)
        state = {k: v for k, v in tensors.items() if not k.startswith(FIXTURE_PREFIX)}
        model = build_model(config)
        model.load_state_dict(state, strict=True)
        model.eval()
        input_tensors = tensors if args.input is None else load(args.input)[0]
        beats = pick(input_tensors, args.input_name, args.input or args.checkpoint).float()
        if beats.dim() == 2:
            beats = beats.unsqueeze(1)
        rhythm = (
            pick(input_tensors, args.rhythm_name, args.input or args.checkpoint).float() if config.rhythm else None
        )
        expect_file = args.expect or args.checkpoint
        expect_tensors = tensors if args.expect is None else load(args.expect)[0]
        if args.expect is None and args.expect_name not in expect_tensors:
            expected = None
        else:
            expected = pick(expect_tensors, args.expect_name, expect_file).float()
    except (OSError, SafetensorsError, ValueError, RuntimeError) as err:
        # RuntimeError: load_state_dict's missing / unexpected / mis-shaped entries
        print(f"error: {err}", file=sys.stderr)
        return 1

    with torch.no_grad():
        probs = torch.softmax(model(beats, rhythm), dim=1)
    result: Dict[str, object] = {
        "checkpoint": args.checkpoint,
        "config": config.to_json(),
        "batch": int(beats.shape[0]),
        "probs": probs.tolist(),
    }
    ok = True
    if expected is not None:
        if expected.shape != probs.shape:
            print(f"error: expected probabilities of shape {list(expected.shape)}, got {list(probs.shape)}", file=sys.stderr)
            return 1
        max_abs_diff = float((probs - expected).abs().max())
        ok = max_abs_diff <= args.atol
        result.update({"maxAbsDiff": max_abs_diff, "atol": args.atol, "ok": ok})
    if args.json:
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")
    else:
        for i, row in enumerate(result["probs"]):  # type: ignore[arg-type]
            print(f"beat {i}: " + " ".join(f"{p:.6f}" for p in row))
        if expected is not None:
            print(f"max |Δp| = {result['maxAbsDiff']:.3e} (atol {args.atol:g}): {'OK' if ok else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
