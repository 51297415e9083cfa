#!/usr/bin/python3
"""Writes a PyTorch reference checkpoint with its own test vector, for the TypeScript side to match.

    /usr/bin/python3 tools/pytorch/make_fixture.py --preset compact --out /tmp/compact.safetensors [--seed 0] [--batch 4]

One safetensors file holds:
- the model's state dict, names exactly as the seed's PyTorch original (seed-model.md);
- `__fixture__.input`  (B, 1, 187) float32 synthetic beat-like curves in [0, 1];
- `__fixture__.probs`  (B, classes) softmax probabilities of the model in eval mode;
- `__fixture__.logits` (B, classes) the logits behind them;
- `__fixture__.rhythm` (B, rhythm) positive rhythm features, for a rhythm preset (compact-rr);
- metadata {"config": JSON of the knobs, "preset": name, "fixture": how it was made}.

With --with-step it also holds one training step from that state, for checking loss, backward
and optimizer: `__fixture__.step.input` (B, 1, 187), `.labels` (B, int64), `.logits` (train mode),
`.loss` (focal loss, scalar) and `__fixture__.step.after.<name>` for every state-dict entry after
one AdaBound step (seed hyper-parameters, fresh optimizer state), with B = --train-batch. Dropout is
the identity in that step (its random mask cannot be matched); BatchNorm is in train mode.
A loader should skip every `__fixture__.*` tensor when it reads the state dict.

So that a wrong implementation cannot match by accident, the weights are not left at their
initial values: BatchNorm affine parameters are drawn at random, a few training steps (focal loss,
AdaBound, synthetic beats) move every weight, then BatchNorm running statistics are set to the
exact average over a few batches (so eval-mode outputs vary clearly from beat to beat), and
`num_batches_tracked` counts those batches (a stage's shared shortcut BN counts once per floor).
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Dict, List, Optional

import torch
from torch import nn

from safetensors_io import save_file
from seed_model import BEAT_LENGTH, PRESETS, SeedNet, build_model, focal_loss, seed_optimizer

FIXTURE_PREFIX = "__fixture__."


def randomize_batchnorm(model: nn.Module, generator: torch.Generator) -> None:
    """BN weight U(0.5, 1.5), bias U(-0.2, 0.2): the default 1 / 0 would hide a swapped or ignored affine."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm1d):
                module.weight.copy_(torch.rand(module.weight.shape, generator=generator) + 0.5)
                module.bias.copy_((torch.rand(module.bias.shape, generator=generator) - 0.5) * 0.4)


def synthetic_beats(batch: int, generator: torch.Generator) -> torch.Tensor:
    """(batch, 1, 187) beat-like curves in [0, 1]: a sharp peak and a broad wave on a sloped baseline,
    min-max scaled and zero-padded after a random length, like the Kachuee beats. Unlike uniform noise
    (which global pooling averages away) they make the outputs depend clearly on the input."""
    t = torch.arange(BEAT_LENGTH, dtype=torch.float32).expand(batch, BEAT_LENGTH)

    def uniform(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(batch, 1, generator=generator)

    peak_at, t_wave_at = uniform(0, 40), uniform(60, 140)
    x = uniform(0.5, 1.0) * torch.exp(-(((t - peak_at) / uniform(2, 8)) ** 2))
    x = x + uniform(0.05, 0.5) * torch.exp(-(((t - t_wave_at) / uniform(8, 25)) ** 2))
    x = x + uniform(-0.3, 0.3) * t / BEAT_LENGTH + 0.03 * torch.randn(batch, BEAT_LENGTH, generator=generator)
    lo, hi = x.min(dim=1, keepdim=True).values, x.max(dim=1, keepdim=True).values
    x = (x - lo) / (hi - lo)
    x = torch.where(t < uniform(90, BEAT_LENGTH + 1), x, torch.zeros_like(x))
    return x.unsqueeze(1)


def synthetic_rhythm(model: SeedNet, batch: int, generator: torch.Generator) -> "torch.Tensor | None":
    """(batch, rhythm) positive features spread over [0.05, 1.65) (R-R seconds, ratios, irregularity),
    so that the log in the branch sees values on both sides of 1; None for a morphology-only model."""
    if not model.config.rhythm:
        return None
    return 0.05 + 1.6 * torch.rand(batch, model.config.rhythm, generator=generator)


def train_briefly(model: SeedNet, steps: int, batch: int, classes: int, generator: torch.Generator) -> None:
    """A few optimizer steps on random beats and labels, with the seed's loss and optimizer."""
    model.train()
    optimizer = seed_optimizer(model)
    for _ in range(steps):
        beats = synthetic_beats(batch, generator)
        rhythm = synthetic_rhythm(model, batch, generator)
        labels = torch.randint(0, classes, (batch,), generator=generator)
        optimizer.zero_grad()
        focal_loss(model(beats, rhythm), labels).backward()
        optimizer.step()


def calibrate_batchnorm(model: SeedNet, batches: int, batch: int, generator: torch.Generator) -> None:
    """Running statistics = the exact average of a few batches' statistics (momentum None), so that in
    eval mode the activations are normalised and the outputs stay sensitive to the input."""
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm1d)]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            model(synthetic_beats(batch, generator), synthetic_rhythm(model, batch, generator))
    for m in norms:
        m.momentum = 0.1


def one_training_step(model: SeedNet, batch: int, generator: torch.Generator) -> Dict[str, torch.Tensor]:
    """One zero_grad / forward / focal loss / backward / AdaBound step from the current state, in train
    mode but with Dropout as the identity (its random mask cannot be matched across implementations).
    Returns the batch, the train-mode logits and loss, and every state-dict entry after the step."""
    model.train()
    model.dropout.eval()
    beats = synthetic_beats(batch, generator)
    rhythm = synthetic_rhythm(model, batch, generator)
    labels = torch.randint(0, model.config.classes, (batch,), generator=generator)
    optimizer = seed_optimizer(model)
    optimizer.zero_grad()
    logits = model(beats, rhythm)
    loss = focal_loss(logits, labels)
    loss.backward()
    optimizer.step()
    model.eval()
    out = {"input": beats, "labels": labels, "logits": logits.detach(), "loss": loss.detach()}
    if rhythm is not None:
        out["rhythm"] = rhythm
    out.update({f"after.{name}": t.detach().clone() for name, t in model.state_dict().items()})
    return out


def make_fixture(
    preset: str, seed: int, batch: int, train_steps: int, train_batch: int, with_step: bool = False
) -> Dict[str, object]:
    """Builds, perturbs, trains and evaluates the model; returns tensors and metadata to save."""
    torch.manual_seed(seed)  # the default initialisation draws from the global generator
    generator = torch.Generator().manual_seed(seed)
    model = build_model(preset)
    config = model.config
    randomize_batchnorm(model, generator)
    train_briefly(model, train_steps, train_batch, config.classes, generator)
    calibrate_batchnorm(model, 2, max(train_batch, 16), generator)
    model.eval()
    beats = synthetic_beats(batch, generator)
    rhythm = synthetic_rhythm(model, batch, generator)
    with torch.no_grad():
        logits = model(beats, rhythm)
        probs = torch.softmax(logits, dim=1)
    tensors: Dict[str, torch.Tensor] = dict(model.state_dict())
    tensors[FIXTURE_PREFIX + "input"] = beats
    if rhythm is not None:
        tensors[FIXTURE_PREFIX + "rhythm"] = rhythm
    tensors[FIXTURE_PREFIX + "logits"] = logits
    tensors[FIXTURE_PREFIX + "probs"] = probs
    if with_step:
        # after the eval outputs above, so they describe the saved (pre-step) state
        snapshot = {k: v.clone() for k, v in tensors.items()}
        step = one_training_step(model, train_batch, generator)
        tensors = snapshot
        tensors.update({f"{FIXTURE_PREFIX}step.{k}": v for k, v in step.items()})
    metadata = {
        "config": json.dumps(config.to_json()),
        "preset": preset,
        "fixture": json.dumps({"seed": seed, "trainSteps": train_steps, "trainBatch": train_batch, "withStep": with_step, "torch": torch.__version__}),
    }
    return {"tensors": tensors, "metadata": metadata}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), required=True)
    parser.add_argument("--out", required=True, help="the .safetensors file to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=4, help="beats in the test vector")
    parser.add_argument("--train-steps", type=int, default=3)
    parser.add_argument("--train-batch", type=int, default=8, help="batch of the training steps (>= 2 for BatchNorm)")
    parser.add_argument("--with-step", action="store_true", help="add a one-step training fixture (__fixture__.step.*)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: leave torch's default)")
    args = parser.parse_args(argv)
    if args.train_batch < 2:
        parser.error("--train-batch must be at least 2 (BatchNorm needs more than one value per channel)")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    fixture = make_fixture(args.preset, args.seed, args.batch, args.train_steps, args.train_batch, args.with_step)
    save_file(fixture["tensors"], args.out, fixture["metadata"])  # type: ignore[arg-type]
    tensors: Dict[str, torch.Tensor] = fixture["tensors"]  # type: ignore[assignment]
    entries = sum(1 for k in tensors if not k.startswith(FIXTURE_PREFIX))
    print(f"wrote {args.out}: {entries} state-dict entries + fixture, probs[0] = {tensors[FIXTURE_PREFIX + 'probs'][0].tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
