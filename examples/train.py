"""A tiny, real training script that logs to W&B in offline mode.

Logistic regression trained with mini-batch gradient descent, in pure Python, on a synthetic
two-class dataset (a fixed dataset; the seed chooses the train/validation split, the initial
weights and the batch order). It logs what wandb-pr reads: the config (with ``github_sha``), one
history row per epoch (``train/loss``, ``val_loss``, ``val_acc``) and summary values.

    python examples/train.py --sha "$(git rev-parse HEAD)" --seed 1 --lr 0.2 --out /tmp/runs

The run is written under ``<out>/wandb/``; read it with ``wandb-pr report --runs-dir <out>/wandb``.
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Sequence

import wandb

DATA_SEED = 1234
N_SAMPLES = 600
N_FEATURES = 8
LABEL_NOISE = 0.8

Example = tuple[list[float], int]


def make_dataset() -> list[Example]:
    """The same synthetic dataset for every run: a noisy linear boundary in 8 dimensions."""
    rng = random.Random(DATA_SEED)
    true_weights = [rng.gauss(0.0, 1.0) for _ in range(N_FEATURES)]
    examples = []
    for _ in range(N_SAMPLES):
        x = [rng.gauss(0.0, 1.0) for _ in range(N_FEATURES)]
        margin = sum(w * v for w, v in zip(true_weights, x, strict=True)) + rng.gauss(
            0.0, LABEL_NOISE
        )
        examples.append((x, int(margin > 0)))
    return examples


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def evaluate(weights: list[float], bias: float, data: Sequence[Example]) -> tuple[float, float]:
    """Mean log loss and accuracy of the model on ``data``."""
    loss = correct = 0.0
    for x, y in data:
        p = min(
            max(sigmoid(sum(w * v for w, v in zip(weights, x, strict=True)) + bias), 1e-12),
            1 - 1e-12,
        )
        loss -= y * math.log(p) + (1 - y) * math.log(1 - p)
        correct += (p >= 0.5) == bool(y)
    return loss / len(data), correct / len(data)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sha", required=True, help="the commit the code came from (github_sha)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--l2", type=float, default=0.0, help="weight decay")
    parser.add_argument("--tags", default="", help="comma-separated run tags")
    parser.add_argument("--out", default=".", help="directory to write wandb/ into")
    parser.add_argument("--project", default="detector")
    parser.add_argument("--entity", default="acme")
    parser.add_argument("--id", default=None, help="run id (W&B makes one up by default)")
    parser.add_argument("--name", default=None, help="display name")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    data = make_dataset()
    rng.shuffle(data)
    n_val = len(data) // 4
    val, train = data[:n_val], data[n_val:]

    run = wandb.init(
        mode="offline",
        dir=args.out,
        project=args.project,
        entity=args.entity,
        id=args.id,
        name=args.name,
        job_type="train",
        group=args.sha[:7],
        tags=[tag for tag in args.tags.split(",") if tag],
        notes=f"logistic regression, seed {args.seed}",
        config={
            "github_sha": args.sha,
            "seed": args.seed,
            "lr": args.lr,
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "model": {"type": "logistic_regression", "features": N_FEATURES, "l2": args.l2},
            "data": {"name": "synthetic-linear", "train": len(train), "val": len(val)},
        },
    )

    weights = [rng.gauss(0.0, 0.1) for _ in range(N_FEATURES)]
    bias = 0.0
    best_acc = 0.0
    for epoch in range(args.epochs):
        rng.shuffle(train)
        for start in range(0, len(train), args.batch_size):
            batch = train[start : start + args.batch_size]
            grad_w = [0.0] * N_FEATURES
            grad_b = 0.0
            for x, y in batch:
                error = sigmoid(sum(w * v for w, v in zip(weights, x, strict=True)) + bias) - y
                grad_w = [g + error * v for g, v in zip(grad_w, x, strict=True)]
                grad_b += error
            weights = [
                w - args.lr * (g / len(batch) + args.l2 * w)
                for w, g in zip(weights, grad_w, strict=True)
            ]
            bias -= args.lr * grad_b / len(batch)
        train_loss, _ = evaluate(weights, bias, train)
        val_loss, val_acc = evaluate(weights, bias, val)
        best_acc = max(best_acc, val_acc)
        run.log(
            {"epoch": epoch, "train/loss": train_loss, "val_loss": val_loss, "val_acc": val_acc}
        )

    run.summary["best_val_acc"] = best_acc
    run.finish()


if __name__ == "__main__":
    main()
