#!/usr/bin/python3
"""Training throughput of PyTorch's own DistributedDataParallel: the yardstick for `ecg bench train --nproc N`.

    /usr/bin/python3 tools/pytorch/bench_ddp.py --nproc 2 --threads 1 --preset compact --batch 128 --steps 20 --json

Starts --nproc worker processes on this host the way torchrun does: this process serves the
rendezvous TCPStore (a free port), each worker joins it with init_process_group("gloo"). Each
worker: torch.set_num_threads(--threads), the real model wrapped in DistributedDataParallel with its
defaults (25 MB buckets, broadcast_buffers=True), batch / nproc random beats of its own, one step =
zero_grad + forward + focal loss + backward (gradients all-reduced by DDP) + AdaBound step, as
bench.py's single-process step. Warm-up steps, a barrier, the timed steps, a barrier; rank 0 reports
msPerStep and samplesPerSec = global batch / seconds per step.

JSON: {"framework":"pytorch-ddp","nproc","threads","preset","batch","samplesPerSec","msPerStep", ...}.
"""
from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import time
from typing import List, Optional

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from bench import report
from seed_model import BEAT_LENGTH, PRESETS, build_model, focal_loss, seed_optimizer


def worker(args: argparse.Namespace) -> int:
    rank = int(os.environ["RANK"])
    world = int(os.environ["WORLD_SIZE"])
    torch.set_num_threads(args.threads)
    store = dist.TCPStore(
        os.environ["MASTER_ADDR"],
        int(os.environ["MASTER_PORT"]),
        world,
        False,
        timeout=datetime.timedelta(seconds=args.timeout),
    )
    dist.init_process_group("gloo", store=store, rank=rank, world_size=world)
    torch.manual_seed(0)
    model = build_model(args.preset).train()
    ddp = DistributedDataParallel(model)
    optimizer = seed_optimizer(model)
    rows = args.batch // world
    torch.manual_seed(1 + rank)
    beats = torch.rand(rows, 1, BEAT_LENGTH)
    labels = torch.arange(rows) % model.config.classes

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        focal_loss(ddp(beats), labels).backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    dist.barrier()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    dist.barrier()
    seconds = (time.perf_counter() - start) / args.steps
    if rank == 0:
        result = {
            "framework": "pytorch-ddp",
            "mode": "train",
            "preset": args.preset,
            "batch": args.batch,
            "nproc": world,
            "threads": torch.get_num_threads(),
            "samplesPerSec": args.batch / seconds,
            "msPerStep": seconds * 1000,
            "steps": args.steps,
            "warmup": args.warmup,
            "torch": torch.__version__,
        }
        report(
            result,
            args.json,
            f"pytorch DDP train {args.preset} global batch {args.batch}, {world} processes x {args.threads} threads",
        )
    dist.destroy_process_group()
    return 0


def launch(args: argparse.Namespace, argv: List[str]) -> int:
    store = dist.TCPStore(
        "127.0.0.1", 0, args.nproc, True, timeout=datetime.timedelta(seconds=args.timeout), wait_for_workers=False
    )
    children = []
    for rank in range(args.nproc):
        env = dict(
            os.environ,
            RANK=str(rank),
            WORLD_SIZE=str(args.nproc),
            LOCAL_RANK=str(rank),
            MASTER_ADDR="127.0.0.1",
            MASTER_PORT=str(store.port),
        )
        children.append(subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", *argv], env=env))
    codes = [c.wait() for c in children]
    failed = [(r, c) for r, c in enumerate(codes) if c != 0]
    if failed:
        print(f"bench_ddp: rank {failed[0][0]} exited with code {failed[0][1]}", file=sys.stderr)
        return 1
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nproc", type=int, default=2, help="worker processes")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="compact")
    parser.add_argument("--batch", type=int, default=128, help="global batch (divided among the workers)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads in each worker")
    parser.add_argument("--timeout", type=float, default=300, help="rendezvous and collective timeout, seconds")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.nproc, args.batch, args.steps, args.threads) < 1 or args.warmup < 0:
        parser.error("--nproc, --batch, --steps and --threads must be positive, --warmup non-negative")
    if args.batch % args.nproc != 0 or args.batch // args.nproc < 2:
        parser.error("--batch must be divisible by --nproc, with at least 2 rows per worker (BatchNorm)")
    if args.worker:
        return worker(args)
    return launch(args, [a for a in argv if a != "--worker"])


if __name__ == "__main__":
    sys.exit(main())
