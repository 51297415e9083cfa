#!/usr/bin/python3
"""Throughput of the PyTorch reference: the yardstick for `ecg bench`.

    /usr/bin/python3 tools/pytorch/bench.py train --preset compact --batch 128 --steps 20 --threads 2 --json
    /usr/bin/python3 tools/pytorch/bench.py infer --preset compact --batch 128 --steps 20 --threads 2 --json

train: the real model in train mode, one step = zero_grad + forward + focal loss + backward +
AdaBound step (the seed's recipe) on a batch of random beats and labels.
infer: eval mode under torch.no_grad(), forward only (logits → softmax).
Warm-up steps are run first and not timed; then `--repeats` runs of `--steps` steps each are timed
and the median run gives msPerStep and samplesPerSec = batch / seconds per step.

Set --threads: Debian's torch uses ONE thread unless told otherwise.
JSON: {"framework":"pytorch","mode","preset","batch","threads","samplesPerSec","msPerStep", ...}.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional

import torch

from seed_model import BEAT_LENGTH, PRESETS, build_model, focal_loss, seed_optimizer


def train_step_fn(preset: str, batch: int, device: str) -> Callable[[], None]:
    model = build_model(preset).to(device).train()
    optimizer = seed_optimizer(model)
    beats = torch.rand(batch, 1, BEAT_LENGTH).to(device)
    rhythm = (torch.rand(batch, model.config.rhythm) + 0.5).to(device) if model.config.rhythm else None
    labels = torch.randint(0, model.config.classes, (batch,)).to(device)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        focal_loss(model(beats, rhythm), labels).backward()
        optimizer.step()

    return step


def infer_step_fn(preset: str, batch: int, device: str) -> Callable[[], None]:
    model = build_model(preset).to(device).eval()
    beats = torch.rand(batch, 1, BEAT_LENGTH).to(device)
    rhythm = (torch.rand(batch, model.config.rhythm) + 0.5).to(device) if model.config.rhythm else None

    def step() -> None:
        with torch.no_grad():
            torch.softmax(model(beats, rhythm), dim=1)

    return step


def bench(
    mode: str, preset: str, batch: int, steps: int, warmup: int, repeats: int, device: str = "cpu"
) -> Dict[str, object]:
    step = train_step_fn(preset, batch, device) if mode == "train" else infer_step_fn(preset, batch, device)

    def sync() -> None:
        # CUDA queues work: wait for it, so a run measures the work and not its launching
        if device != "cpu":
            torch.cuda.synchronize()

    for _ in range(warmup):
        step()
    sync()
    per_step: List[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        sync()
        per_step.append((time.perf_counter() - start) / steps)
    seconds = statistics.median(per_step)
    return {
        "framework": "pytorch",
        "mode": mode,
        "preset": preset,
        "batch": batch,
        "threads": torch.get_num_threads(),
        "device": device,
        "samplesPerSec": batch / seconds,
        "msPerStep": seconds * 1000,
        "steps": steps,
        "warmup": warmup,
        "repeats": repeats,
        "msPerStepRuns": [s * 1000 for s in per_step],
        "torch": torch.__version__,
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["train", "infer"])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="compact")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per repeat")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs; the median is reported")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (Debian's default is 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    args = parser.parse_args(argv)
    if min(args.batch, args.steps, args.repeats, args.threads) < 1 or args.warmup < 0:
        parser.error("--batch, --steps, --repeats and --threads must be positive, --warmup non-negative")
    if args.mode == "train" and args.batch < 2:
        parser.error("train needs --batch >= 2 (BatchNorm in train mode)")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    result = bench(args.mode, args.preset, args.batch, args.steps, args.warmup, args.repeats, args.device)
    report(result, args.json, f"pytorch {args.mode} {args.preset} batch {args.batch}, {result['threads']} threads")
    return 0


def report(result: Dict[str, object], as_json: bool, what: str) -> None:
    """One JSON document on stdout, or one line: what, then samples/s and ms/step."""
    if as_json:
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(f"{what}: {result['samplesPerSec']:.1f} samples/s, {result['msPerStep']:.2f} ms/step")


if __name__ == "__main__":
    sys.exit(main())
