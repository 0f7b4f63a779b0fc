#!/usr/bin/env python3
"""Fit the twitch acceptance model (core/classify/src/twitch_model.rs) on the TUNING split only.

    cargo run --release -p twitchwatch-lab --bin twitch-features -- tuning > /tmp/tuning.csv
    cargo run --release -p twitchwatch-lab --bin twitch-features -- held-out > /tmp/held-out.csv
    python3 lab/train/train_twitch_model.py [--min-probability P] /tmp/tuning.csv [/tmp/held-out.csv ...]

Writes core/classify/src/twitch_model_weights.rs (the weights and the acceptance threshold) and
core/classify/tests/fixtures/twitch_model_check.csv (feature rows with the probability computed
here, which a Rust test compares with its own). Further CSVs are only reported, never fitted on.

Logistic regression by Newton's method (iteratively reweighted least squares) with a small L2
penalty; numpy only. A false twitch on a healthy hand counts three times a missed twitch, in the
fit and in the choice of threshold: false twitches feed the persistence rule every day, while a
person with real fasciculations has many of them.

The candidates alone do not say how many hours of healthy hands they came from, so the threshold
that keeps false twitches per hour within budget is measured with eval-split on TUNING (sweep
TW_CFG=twitch_min_probability=…) and given with --min-probability; docs/accuracy.md says which
was chosen and why. Without it the threshold is the one that maximises the weighted gain above.
"""

import csv
import pathlib
import sys

import numpy as np

FEATURES = [
    "log10_margin",
    "bumps_wide",
    "bumps_near",
    "busy_hops",
    "duration_100ms",
    "bumps_around",
]
FALSE_COST = 3.0
L2 = 1e-2
ROOT = pathlib.Path(__file__).resolve().parents[2]


def load(path):
    x, y, amp, case = [], [], [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["gated"] != "1":
                continue  # failed a hard gate: the model never sees it
            x.append([float(row[k]) for k in FEATURES])
            y.append(int(row["is_twitch"]))
            amp.append(float(row["label_amplitude_g"]))
            case.append(row["case"])
    return np.array(x), np.array(y, dtype=float), np.array(amp), case


def fit(x, y, w_sample):
    a = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(a.shape[1])
    penalty = L2 * np.eye(a.shape[1])
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(a @ beta)))
        grad = a.T @ (w_sample * (p - y)) + penalty @ beta
        hess = (a * (w_sample * p * (1 - p))[:, None]).T @ a + penalty
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta[:-1], beta[-1]


def probability(x, weights, bias):
    # float32 like the Rust evaluation.
    z = (x.astype(np.float32) @ weights.astype(np.float32)) + np.float32(bias)
    return 1.0 / (1.0 + np.exp(-z.astype(np.float32)))


def summary(name, x, y, amp, weights, bias, threshold):
    p = probability(x, weights, bias)
    accept = p >= threshold
    tp = int(np.sum(accept & (y == 1)))
    fp = int(np.sum(accept & (y == 0)))
    big = (y == 1) & (amp >= 0.01)
    recall_big = float(np.mean(accept[big])) if big.any() else float("nan")
    print(
        f"{name}: {int(np.sum(y == 1))} twitch candidates, {int(np.sum(y == 0))} others; "
        f"accepted {tp} twitches and {fp} others; "
        f"of twitch candidates >= 10 mg {recall_big:.2f} accepted"
    )


def main(argv):
    chosen = None
    if len(argv) > 2 and argv[1] == "--min-probability":
        chosen = float(argv[2])
        argv = argv[:1] + argv[3:]
    if len(argv) < 2:
        print(__doc__)
        return 2
    x, y, amp, _ = load(argv[1])
    w_sample = np.where(y == 1, 1.0, FALSE_COST)
    weights, bias = fit(x, y, w_sample)
    p = probability(x, weights, bias)
    candidates = np.round(np.arange(0.2, 0.91, 0.05), 2)
    gains = [np.sum((p >= t) & (y == 1)) - FALSE_COST * np.sum((p >= t) & (y == 0)) for t in candidates]
    threshold = float(candidates[int(np.argmax(gains))]) if chosen is None else chosen
    print("weights", dict(zip(FEATURES, np.round(weights, 4))), "bias", round(float(bias), 4))
    print("threshold", threshold)
    summary("tuning (fitted)", x, y, amp, weights, bias, threshold)
    for extra in argv[2:]:
        summary(f"{extra} (not fitted)", *load(extra)[:3], weights, bias, threshold)

    out = ROOT / "core/classify/src/twitch_model_weights.rs"
    w = ", ".join(f"{v:.6}" for v in weights)
    out.write_text(
        "// Written by lab/train/train_twitch_model.py from the TUNING split; do not edit by hand.\n"
        "pub const TWITCH_ACCEPTANCE: TwitchModel = TwitchModel {\n"
        f"    weights: [{w}],\n"
        f"    bias: {bias:.6},\n"
        "};\n"
        f"pub const TWITCH_MIN_PROBABILITY: f32 = {threshold};\n"
    )
    # The check rows: a spread of the training candidates, evaluated with the rounded weights the
    # Rust file holds.
    rw = np.array([float(f"{v:.6}") for v in weights])
    rb = float(f"{bias:.6}")
    pick = np.linspace(0, len(x) - 1, 40).astype(int)
    check = ROOT / "core/classify/tests/fixtures/twitch_model_check.csv"
    check.parent.mkdir(parents=True, exist_ok=True)
    with open(check, "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(FEATURES + ["probability"])
        for i in pick:
            wr.writerow([f"{v:.6}" for v in x[i]] + [f"{probability(x[i:i+1], rw, rb)[0]:.6f}"])
    print("wrote", out.relative_to(ROOT), "and", check.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
