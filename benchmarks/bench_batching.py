"""Training throughput of three batching strategies on MNLI-, SQuAD- and PAN-X-shaped lengths.

    python benchmarks/bench_batching.py            # 48 batches per strategy and shape, hidden 256, 4 layers, 3 rounds
    python benchmarks/bench_batching.py --quick    # 16 batches, hidden 128, 2 layers, 2 rounds
    python benchmarks/bench_batching.py --json out.json

Strategies, over the SAME examples (one epoch), the same model initialisation, batch size,
optimizer and threads:
  (b) fixed   every example padded to max_seq_length (jiant), random order;
  (a) random  random order, each batch padded to its longest member (dynamic padding);
  (g) grouped ablate.batching: length-grouped batches, dynamic padding.
Reported: tokens processed including padding (exact, from the lengths), examples/s (timed
training steps: forward, backward, AdamW, by CPU time with one intra-op thread; the strategies
take turns step by step and each step's fastest of the rounds counts, so machine load cannot
favour one of them), and the mean loss per
quarter of the epoch for (a) and (g), which see the same examples in a different order. Targets: (g) >= 1.5x the examples/s
of (b), and fewer padded tokens than (a).

Lengths are drawn from log-normal shapes fitted by eye to XLM-R token counts (medians: MNLI pairs
38, SQuAD question+context 175 cut into 384-token windows, PAN-X sentences 14); the task is
synthetic but learnable (the label is the parity of the first token), so the loss falls.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ablate.batching import grouped_order, padded_tokens  # noqa: E402
import machine  # noqa: E402

SHAPES = {  # name: (median tokens, log-sd, max_seq_length)
    "mnli": (38, 0.45, 256),
    "squad": (175, 0.5, 384),
    "panx": (14, 0.5, 256),
}
BATCH = 8


def lengths_for(shape: str, n: int, rng) -> np.ndarray:
    median, sd, max_len = SHAPES[shape]
    raw = np.maximum(4, rng.lognormal(np.log(median), sd, size=n).astype(int))
    if shape != "squad":
        return np.minimum(raw, max_len)
    # a SQuAD example longer than a window becomes several windows (stride 128 between starts)
    windows = []
    for length in raw:
        windows.append(min(length, max_len))
        rest = length - max_len
        while rest > 0:
            windows.append(min(max_len, rest + max_len - 128))
            rest -= 128
    return np.array(windows[:n])


def build_model(hidden: int, layers: int, vocab: int):
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification

    torch.manual_seed(0)
    config = XLMRobertaConfig(vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers,
                              num_attention_heads=max(1, hidden // 64), intermediate_size=4 * hidden,
                              max_position_embeddings=520, num_labels=2, pad_token_id=1)
    return XLMRobertaForSequenceClassification(config)


def batch_tensors(tokens, idx, pad_to):
    """input_ids (pad id 1) and attention mask of one batch: padded to `pad_to`, or to its longest row."""
    import torch

    width = pad_to or max(len(tokens[j]) for j in idx)
    ids = torch.ones((len(idx), width), dtype=torch.long)
    mask = torch.zeros((len(idx), width), dtype=torch.long)
    for r, j in enumerate(idx):
        ids[r, :len(tokens[j])] = torch.as_tensor(tokens[j])
        mask[r, :len(tokens[j])] = 1
    return ids, mask


def train_interleaved(model_state, make_model, tokens, labels, orders: dict, rounds: int):
    """Seconds of training steps and losses per strategy, for one epoch of each strategy's order.

    The strategies take turns batch by batch (step i of every strategy, then step i + 1), each with
    its own model and optimizer from the same initial weights, so a change in machine load hits
    all of them alike instead of whichever ran last. The epoch is repeated `rounds` times and
    each step's fastest time counts (the weights move on, the work per step does not); losses are
    those of the first round."""
    import torch

    warm = make_model()  # one untimed step on a throw-away copy: first-call allocations are not the strategy's
    warm(input_ids=torch.ones((BATCH, 8), dtype=torch.long), labels=torch.zeros(BATCH, dtype=torch.long)).loss.backward()
    state = {}
    for name in orders:
        model = make_model()
        model.load_state_dict(model_state)
        model.train()
        state[name] = (model, torch.optim.AdamW(model.parameters(), lr=5e-4))
    steps = len(next(iter(orders.values()))[0]) // BATCH
    best = {name: [float("inf")] * steps for name in orders}
    losses = {name: [] for name in orders}
    for round_ in range(rounds):
        for i in range(steps):
            for name, (order, pad_to) in orders.items():
                model, opt = state[name]
                idx = order[i * BATCH:(i + 1) * BATCH]
                ids, mask = batch_tensors(tokens, idx, pad_to)
                y = torch.as_tensor(labels[idx])
                start = time.process_time()
                loss = model(input_ids=ids, attention_mask=mask, labels=y).loss
                loss.backward()
                opt.step()
                opt.zero_grad()
                best[name][i] = min(best[name][i], time.process_time() - start)
                if round_ == 0:
                    losses[name].append(float(loss.detach()))
    return {name: sum(times) for name, times in best.items()}, losses


def quarters(losses: list[float]) -> list[float]:
    return [round(float(np.mean(part)), 3) for part in np.array_split(np.array(losses), min(4, len(losses)))]


def run(batches: int, hidden: int, layers: int, rounds: int, seed: int = 1) -> dict:
    import torch

    # One intra-op thread, timed by CPU time: the work per step, which other processes on a shared
    # machine barely change (with 2 threads, idle OpenMP workers spin and bill CPU time while they
    # wait for a core, and wall time swings several-fold).
    torch.set_num_threads(1)
    vocab = 4000
    out = {"batch_size": BATCH, "batches": batches, "model": f"XLM-R hidden {hidden}, {layers} layers",
           "threads": torch.get_num_threads(), "rounds": rounds, "shapes": {}}
    make_model = lambda: build_model(hidden, layers, vocab)  # noqa: E731
    state = make_model().state_dict()
    for shape, (_, _, max_len) in SHAPES.items():
        rng = np.random.default_rng(seed)
        n = batches * BATCH
        lengths = lengths_for(shape, n, rng)
        tokens = [np.concatenate([[0], rng.integers(5, vocab, size=int(k) - 1)]) for k in lengths]
        labels = np.array([int(t[1] % 2) if len(t) > 1 else 0 for t in tokens])
        random_order = rng.permutation(n)
        orders = {"fixed": (random_order, max_len), "random": (random_order, None),
                  "grouped": (grouped_order(lengths, BATCH, seed), None)}
        row = {"real_tokens": int(lengths.sum()), "max_seq_length": max_len}
        spent, losses = train_interleaved(state, make_model, tokens, labels, orders, rounds)
        for name, (order, pad_to) in orders.items():
            row[name] = {"tokens": padded_tokens(lengths, order, BATCH, pad_to),
                         "examples_per_s": round(n / spent[name], 2), "loss_quarters": quarters(losses[name])}
        row["speedup_vs_fixed"] = round(row["grouped"]["examples_per_s"] / row["fixed"]["examples_per_s"], 2)
        row["speedup_vs_random"] = round(row["grouped"]["examples_per_s"] / row["random"]["examples_per_s"], 2)
        row["padding_vs_random"] = round((row["grouped"]["tokens"] - row["real_tokens"])
                                         / max(1, row["random"]["tokens"] - row["real_tokens"]), 3)
        out["shapes"][shape] = row
    return out


def report(result: dict) -> str:
    lines = [f"Batching ({result['model']}, batch {result['batch_size']}, {result['batches']} batches, "
             f"{result['threads']} thread, CPU time, fastest of {result['rounds']} interleaved rounds per step)",
             f"{'shape':7} {'strategy':8} {'tokens incl. pad':>16} {'pad %':>6} {'ex/s':>8}   loss by epoch quarter"]
    for shape, row in result["shapes"].items():
        for name in ("fixed", "random", "grouped"):
            r = row[name]
            pad = 100 * (r["tokens"] - row["real_tokens"]) / r["tokens"]
            lines.append(f"{shape:7} {name:8} {r['tokens']:>16,} {pad:>5.1f}% {r['examples_per_s']:>8.1f}   {r['loss_quarters']}")
        lines.append(f"{shape:7} grouped = {row['speedup_vs_fixed']}x fixed, {row['speedup_vs_random']}x random examples/s; "
                     f"padding {row['padding_vs_random']:.1%} of random's (target >= 1.5x fixed, < 100%)")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="16 batches per strategy and shape, a smaller model")
    ap.add_argument("--tiny", action="store_true", help="smallest sizes, seconds: 3 batches, a 1-layer model")
    ap.add_argument("--json", type=Path, help="write the result here")
    args = ap.parse_args()
    if args.tiny:
        result = run(batches=3, hidden=32, layers=1, rounds=1)
    else:
        result = (run(batches=16, hidden=128, layers=2, rounds=2) if args.quick
                  else run(batches=48, hidden=256, layers=4, rounds=3))
    machine.publish(result, report, args.json)


if __name__ == "__main__":
    main()
