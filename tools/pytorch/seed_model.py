#!/usr/bin/python3
"""The seed's 1-D ResNeXt with the "proposed connection", exactly as docs/spec seed-model.md pins it.

Run with Debian's interpreter, which has PyTorch 1.13 (the `python3` on PATH may not):

    /usr/bin/python3 tools/pytorch/seed_model.py --preset compact --json
    /usr/bin/python3 tools/pytorch/seed_model.py --preset seed --json --names

prints the preset's configuration, parameter count, state-dict entry count and the sequence
lengths through the network (and, with --names, every state-dict entry with its shape and dtype).
The module names reproduce the PyTorch original's state-dict names (`stage1_1.0.block.3.weight`,
`stage1_.2.bias`, `layer3_path.3.weight`, `fc1.weight`, ...) so weights move both ways.

The rhythm presets (`compact-rr`) add the TypeScript side's rhythm branch (src/models/seed-net.ts):
each beat's R-R features, log(max(x, 0.01)), through BatchNorm and two LeakyReLU layers (`rhythm.*`),
concatenated with the pooled CNN features before fc1. `forward(beats, rhythm)` takes them.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

#: Input beats are (B, 1, BEAT_LENGTH), values in [0, 1].
BEAT_LENGTH = 187
LEAKY_SLOPE = 0.01
#: Rhythm features per beat (src/dataset/rhythm.ts: RHYTHM_FEATURE_COUNT) and the log's floor.
RHYTHM_FEATURES = 8
RHYTHM_LOG_FLOOR = 0.01


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """The knobs of the network family (seed-model.md, "Knobs and presets")."""

    dim: int = 64
    repeat: int = 3
    groups: int = 32
    floors: int = 4
    connection: bool = True
    classes: int = 5
    #: Rhythm features per beat beside the waveform (0: the seed's morphology-only model).
    rhythm: int = 0
    #: Width of the rhythm branch's hidden layers (with rhythm only).
    rhythm_width: int = 0
    #: An ensemble of this many networks, softmax probabilities averaged (0: one network).
    members: int = 0

    def to_json(self) -> Dict[str, object]:
        """The checkpoint's `config` JSON, named as the TypeScript side names it (no rhythm keys without rhythm)."""
        out: Dict[str, object] = {
            "dim": self.dim,
            "repeat": self.repeat,
            "groups": self.groups,
            "floors": self.floors,
            "connection": self.connection,
            "classes": self.classes,
        }
        if self.rhythm:
            out.update({"rhythm": self.rhythm, "rhythmWidth": self.rhythm_width})
        if self.members:
            out["members"] = self.members
        return out


PRESETS: Dict[str, ModelConfig] = {
    "seed": ModelConfig(dim=64, repeat=3, groups=32, floors=4, connection=True),
    "seed-resnext": ModelConfig(dim=64, repeat=3, groups=32, floors=4, connection=False),
    "compact": ModelConfig(dim=8, repeat=1, groups=8, floors=1, connection=True),
    "compact-rr": ModelConfig(
        dim=8, repeat=1, groups=8, floors=1, connection=True, rhythm=RHYTHM_FEATURES, rhythm_width=32
    ),
}

#: Parameter counts the spec states for each preset.
EXPECTED_PARAMS: Dict[str, int] = {
    "seed": 56_494_277,
    "seed-resnext": 54_990_661,
    "compact": 154_245,
    # compact + rhythm BN (2·8) + Linear(8→32) + Linear(32→32) + fc1's 32 more inputs (32·32)
    "compact-rr": 154_245 + 16 + 288 + 1056 + 1024,
}


def config_from_json(text: str) -> ModelConfig:
    """A ModelConfig from the JSON written into a checkpoint's `config` metadata (unknown keys ignored)."""
    raw = json.loads(text)
    if "rhythmWidth" in raw:
        raw["rhythm_width"] = raw.pop("rhythmWidth")
    fields = {f.name for f in dataclasses.fields(ModelConfig)}
    return ModelConfig(**{k: v for k, v in raw.items() if k in fields})


class Block(nn.Module):
    """ResNeXt bottleneck with a projection shortcut: LeakyReLU(block(x) + resize(x))."""

    def __init__(self, cin: int, width: int, cout: int, stride: int, groups: int) -> None:
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv1d(cin, width, kernel_size=1, stride=stride),
            nn.BatchNorm1d(width),
            nn.LeakyReLU(LEAKY_SLOPE),
            nn.Conv1d(width, width, kernel_size=3, padding=1, groups=groups),
            nn.BatchNorm1d(width),
            nn.LeakyReLU(LEAKY_SLOPE),
            nn.Conv1d(width, cout, kernel_size=1),
            nn.BatchNorm1d(cout),
        )
        self.resize = nn.Sequential(
            nn.Conv1d(cin, cout, kernel_size=1, stride=stride),
            nn.BatchNorm1d(cout),
        )

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(self.block(x) + self.resize(x), LEAKY_SLOPE)


def floor(n: int, cin: int, width: int, cout: int, stride: int, groups: int) -> nn.Sequential:
    """n Blocks; only block 0 takes `cin` channels and the stride."""
    return nn.Sequential(
        *[
            Block(cin if i == 0 else cout, width, cout, stride if i == 0 else 1, groups)
            for i in range(n)
        ]
    )


def shortcut(stage: int, dim: int, cout: int) -> nn.Sequential:
    """The proposed connection of stage s: raw input → (B, cout, 60 / 30 / 15)."""
    padding = 2 if stage == 3 else 0
    pool = 3 * 2 ** (stage - 1)
    return nn.Sequential(
        nn.Conv1d(1, dim, kernel_size=7, padding=padding),
        nn.BatchNorm1d(dim),
        nn.Conv1d(dim, cout, kernel_size=1, padding=padding),
        nn.AvgPool1d(kernel_size=pool, stride=pool),
        nn.BatchNorm1d(cout),
    )


def path(cout: int) -> nn.Sequential:
    """After a stage's last floor: halves the length the concatenation doubled."""
    return nn.Sequential(
        nn.AvgPool1d(2),
        nn.BatchNorm1d(cout),
        nn.LeakyReLU(LEAKY_SLOPE),
        nn.Conv1d(cout, cout, kernel_size=1),
    )


class SeedNet(nn.Module):
    """The seed's network; `forward` returns logits (B, classes)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        dim = config.dim
        self.stage0 = nn.Sequential(
            nn.Conv1d(1, dim, kernel_size=7),
            nn.BatchNorm1d(dim),
            nn.LeakyReLU(LEAKY_SLOPE),
            nn.MaxPool1d(3),
        )
        cin = dim
        for s in (1, 2, 3):
            mid = dim * 2 ** (s - 1)
            width, cout = 2 * mid, 4 * mid
            for f in range(1, config.floors + 1):
                if config.connection:
                    stride = 1 if (s == 1 and f == 1) else 2
                else:
                    stride = 2 if (s in (2, 3) and f == 1) else 1
                self.add_module(f"stage{s}_{f}", floor(config.repeat, cin, width, cout, stride, config.groups))
                cin = cout
            if config.connection:
                self.add_module(f"stage{s}_", shortcut(s, dim, cout))
                self.add_module(f"layer{s}_path", path(cout))
        self.stage4 = floor(config.repeat, 16 * dim, 16 * dim, 32 * dim, 2, config.groups)
        width = config.rhythm_width if config.rhythm else 0
        if config.rhythm:
            self.rhythm = nn.Sequential(
                nn.BatchNorm1d(config.rhythm),
                nn.Linear(config.rhythm, width),
                nn.LeakyReLU(LEAKY_SLOPE),
                nn.Linear(width, width),
                nn.LeakyReLU(LEAKY_SLOPE),
            )
        self.fc1 = nn.Linear(32 * dim + width, 32)
        self.dropout = nn.Dropout(0.3)
        self.fc2 = nn.Linear(32, config.classes)
        nn.init.xavier_uniform_(self.fc1.weight)
        nn.init.xavier_uniform_(self.fc2.weight)

    def forward(
        self, x0: Tensor, rhythm: Optional[Tensor] = None, trace: Optional[List[Tuple[str, int]]] = None
    ) -> Tensor:
        """x0: (B, 1, 187); rhythm: (B, config.rhythm) for a rhythm preset. `trace`, when given,
        collects (point, length) along the way."""
        if self.config.rhythm and rhythm is None:
            raise ValueError(f"this model takes {self.config.rhythm} rhythm features per beat; none given")

        def mark(point: str, t: Tensor) -> Tensor:
            if trace is not None:
                trace.append((point, int(t.shape[-1])))
            return t

        x = mark("stage0", self.stage0(mark("input", x0)))
        for s in (1, 2, 3):
            for f in range(1, self.config.floors + 1):
                x = mark(f"stage{s}_{f}", getattr(self, f"stage{s}_{f}")(x))
                if self.config.connection:
                    side = mark(f"stage{s}_", getattr(self, f"stage{s}_")(x0))
                    x = mark(f"concat{s}_{f}", torch.cat([x, side], dim=2))
            if self.config.connection:
                x = mark(f"layer{s}_path", getattr(self, f"layer{s}_path")(x))
        x = mark("stage4", self.stage4(x))
        x = x.mean(dim=2)
        if self.config.rhythm:
            x = torch.cat([x, self.rhythm(rhythm.clamp(min=RHYTHM_LOG_FLOOR).log())], dim=1)
        x = F.leaky_relu(self.dropout(self.fc1(x)), LEAKY_SLOPE)
        return self.fc2(x)


class Ensemble(nn.Module):
    """Networks of one config trained apart (`ecg ensemble`), tensors `members.K.*`. Like the
    TypeScript side, forward gives the log of the members' mean softmax: logits whose softmax is it."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        single = dataclasses.replace(config, members=0)
        self.members = nn.ModuleList(SeedNet(single) for _ in range(config.members))

    def forward(self, x0: Tensor, rhythm: "Tensor | None" = None) -> Tensor:
        probs = torch.stack([torch.softmax(m(x0, rhythm), dim=1) for m in self.members]).mean(0)
        return probs.log()


def build_model(preset_or_config: "str | ModelConfig") -> "SeedNet | Ensemble":
    """A freshly initialised model from a preset name or a config (an ensemble when it has members)."""
    config = PRESETS[preset_or_config] if isinstance(preset_or_config, str) else preset_or_config
    return Ensemble(config) if config.members else SeedNet(config)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------------------------------------
# The seed's training recipe: focal loss and AdaBound.

#: Focal-loss class weights for (N, S, V, F, Q).
SEED_ALPHA = (0.15, 0.75, 0.65, 0.75, 0.25)


def focal_loss(
    logits: Tensor,
    target: Tensor,
    alpha: "Tensor | Tuple[float, ...]" = SEED_ALPHA,
    gamma: float = 2.0,
    detach_modulation: bool = True,
) -> Tensor:
    """Mean over the batch of -alpha[y]·(1-p)^gamma·log p, p the softmax probability of the true class.

    As in the seed, the modulating factor (1-p)^gamma is detached by default: the gradient flows
    only through log p. `detach_modulation=False` differentiates the full expression.
    """
    alpha_t = torch.as_tensor(alpha, dtype=logits.dtype, device=logits.device)
    log_p = F.log_softmax(logits, dim=1).gather(1, target.unsqueeze(1)).squeeze(1)
    p = log_p.exp()
    if detach_modulation:
        p = p.detach()
    return (-alpha_t[target] * (1 - p) ** gamma * log_p).mean()


class AdaBound(torch.optim.Optimizer):
    """AdaBound (Luo et al., ICLR 2019), step for step as the authors' reference code (Luolc/AdaBound).

    Per parameter, with its own step count t: Adam moments, then the step size lr·√(1-β2^t)/(1-β1^t)
    divided by √v + eps (amsbound: √max v + eps), clamped to [lo, hi] with
    f = final_lr·lr/initial_lr, lo = f·(1 - 1/(γt+1)), hi = f·(1 + 1/(γt)), times m.
    Weight decay is L2 (added to the gradient before the moments).
    """

    def __init__(
        self,
        params,  # noqa: ANN001 - iterable of tensors or param groups, as every torch optimizer
        lr: float = 1e-3,
        betas: Tuple[float, float] = (0.9, 0.999),
        final_lr: float = 0.1,
        gamma: float = 1e-3,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsbound: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, betas=betas, final_lr=final_lr, gamma=gamma, eps=eps, weight_decay=weight_decay, amsbound=amsbound
        )
        super().__init__(params, defaults)
        # The initial lr of each group: a schedule on lr moves the bounds proportionally.
        self.base_lrs = [group["lr"] for group in self.param_groups]

    @torch.no_grad()
    def step(self, closure=None):  # noqa: ANN001, ANN201 - the torch.optim.Optimizer signature
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group, base_lr in zip(self.param_groups, self.base_lrs):
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                    if group["amsbound"]:
                        state["max_exp_avg_sq"] = torch.zeros_like(p)
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                state["step"] += 1
                t = state["step"]
                if group["weight_decay"] != 0:
                    grad = grad.add(p, alpha=group["weight_decay"])
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                if group["amsbound"]:
                    max_exp_avg_sq = state["max_exp_avg_sq"]
                    torch.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
                    denom = max_exp_avg_sq.sqrt().add_(group["eps"])
                else:
                    denom = exp_avg_sq.sqrt().add_(group["eps"])
                bias_correction1 = 1 - beta1**t
                bias_correction2 = 1 - beta2**t
                step_size = group["lr"] * (bias_correction2**0.5) / bias_correction1
                final_lr = group["final_lr"] * group["lr"] / base_lr
                lower = final_lr * (1 - 1 / (group["gamma"] * t + 1))
                upper = final_lr * (1 + 1 / (group["gamma"] * t))
                update = torch.full_like(denom, step_size).div_(denom).clamp_(lower, upper).mul_(exp_avg)
                p.sub_(update)
        return loss


def seed_optimizer(model: nn.Module) -> AdaBound:
    """AdaBound with the seed's hyper-parameters."""
    return AdaBound(model.parameters(), lr=1e-3, final_lr=0.1, betas=(0.9, 0.999), gamma=1e-3, eps=1e-8)


# ---------------------------------------------------------------------------------------------
# Command line: describe a preset.


def describe(preset: str, with_names: bool) -> Dict[str, object]:
    """Parameter and entry counts, the length trace on a 187-sample beat, and optionally every entry."""
    model = build_model(preset).eval()
    state = model.state_dict()
    trace: List[Tuple[str, int]] = []
    rhythm = torch.rand(1, model.config.rhythm) + 0.5 if model.config.rhythm else None
    with torch.no_grad():
        logits = model(torch.rand(1, 1, BEAT_LENGTH), rhythm, trace=trace)
    out: Dict[str, object] = {
        "preset": preset,
        "config": model.config.to_json(),
        "params": count_parameters(model),
        "expectedParams": EXPECTED_PARAMS.get(preset),
        "stateDictEntries": len(state),
        "outputShape": list(logits.shape),
        "lengths": [{"point": point, "length": length} for point, length in trace],
    }
    if with_names:
        out["entries"] = [
            {"name": name, "shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", "")}
            for name, t in state.items()
        ]
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="compact")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--names", action="store_true", help="include every state-dict entry")
    args = parser.parse_args(argv)
    info = describe(args.preset, args.names)
    if args.json:
        json.dump(info, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(f"preset {info['preset']}: {info['config']}")
        print(f"parameters {info['params']:,} (spec: {info['expectedParams']:,})")
        print(f"state-dict entries {info['stateDictEntries']}")
        print("lengths " + " → ".join(f"{p['point']} {p['length']}" for p in info["lengths"]))  # type: ignore[index]
        for entry in info.get("entries", []):  # type: ignore[union-attr]
            print(f"  {entry['name']} {entry['shape']} {entry['dtype']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
