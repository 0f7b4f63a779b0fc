#!/usr/bin/env python3
"""A straightforward numpy/scipy version of the TwitchWatch classifier's features, timed on the
same CSV the Rust CLI reads (`twitchwatch classify --input FILE --timings`), for the speed ratio
in the README. Not a re-implementation of every decision: the same per-sample filters and per-window
spectra (the work), with plain vectorised numpy/scipy calls.

Features computed (as in docs/classifier.md):
  - twitch band 5-100 Hz (2nd-order Butterworth HP + LP), Teager-Kaiser energy summed over axes,
    ~12 ms moving average, rolling median/MAD noise floor, threshold crossings;
  - spasm envelope: 3 Hz high-pass, 25 ms block RMS;
  - gyro context: 0.05 Hz HP + 1.5 Hz 4th-order LP, magnitude;
  - tremor/context path: anti-alias + decimate to 50-100 Hz, 4 s Hann windows every 0.5 s,
    zero-padded rFFT per axis, band powers, peak + parabolic interpolation, autocorrelation
    periodicity (inverse FFT of the power spectrum).

Usage: numpy_features.py [FILE.csv] [--make-input SECONDS]
  With --make-input it first writes a synthetic 100 Hz accel+gyro recording to FILE.csv.
"""
import sys
import time

import numpy as np
import scipy
from scipy import signal
from scipy.ndimage import median_filter


def make_input(path, seconds, fs=100.0, seed=7):
    rng = np.random.default_rng(seed)
    n = int(seconds * fs)
    t = np.arange(n) / fs
    acc = 0.0007 * rng.standard_normal((n, 3))
    acc[:, 2] += 1.0
    # a 5 Hz, 60 mg tremor bout every 10 minutes for 60 s, and a twitch every ~7 s
    on = (t % 600.0) < 60.0
    acc[:, 0] += on * 0.06 * np.sin(2 * np.pi * 5.0 * t)
    for t0 in np.arange(3.0, seconds, 7.3):
        k = int(t0 * fs)
        m = min(8, n - k)
        acc[k:k + m, 1] += 0.02 * np.exp(-np.arange(m) / 2.0) * np.cos(2 * np.pi * 25.0 * np.arange(m) / fs)
    gyro = 0.07 * rng.standard_normal((n, 3))
    data = np.column_stack([t, acc, gyro])
    np.savetxt(path, data, delimiter=",", header="t,ax,ay,az,gx,gy,gz", comments="", fmt="%.6f")


def features(t, acc, gyro):
    fs = 1.0 / np.median(np.diff(t))
    nyq = 0.5 * fs
    out = {}
    # Twitch band and Teager-Kaiser energy.
    hp = signal.butter(2, 5.0 / nyq, "highpass", output="sos")
    x = signal.sosfilt(hp, acc, axis=0)
    if 100.0 < 0.45 * fs:
        lp = signal.butter(2, 100.0 / nyq, "lowpass", output="sos")
        x = signal.sosfilt(lp, x, axis=0)
    tk = np.zeros(len(x))
    tk[1:-1] = np.sum(x[1:-1] ** 2 - x[:-2] * x[2:], axis=1)
    tk = np.maximum(tk, 0.0)
    L = max(3, int(round(0.012 * fs)))
    e = np.convolve(tk, np.ones(L) / L, mode="same")
    # Rolling median / MAD over ~6 s of subsampled energy.
    sub = e[::L]
    w = 513
    med = median_filter(sub, size=w, mode="nearest")
    mad = 1.4826 * median_filter(np.abs(sub - med), size=w, mode="nearest")
    thr = np.repeat(med + 12.0 * np.maximum(mad, 0.05 * med), L)[: len(e)]
    out["twitch_crossings"] = int(np.count_nonzero(np.diff((e > thr).astype(np.int8)) == 1))
    # Spasm envelope.
    sp = signal.sosfilt(signal.butter(2, 3.0 / nyq, "highpass", output="sos"), acc, axis=0)
    B = max(2, int(round(0.025 * fs)))
    nb = len(sp) // B
    env = np.sqrt(np.mean(np.sum(sp[: nb * B] ** 2, axis=1).reshape(nb, B), axis=1))
    out["spasm_blocks"] = int(np.count_nonzero(env > 0.05))
    # Gyro context.
    if gyro is not None:
        g = signal.sosfilt(signal.butter(2, 0.05 / nyq, "highpass", output="sos"), gyro, axis=0)
        g = signal.sosfilt(signal.butter(4, 1.5 / nyq, "lowpass", output="sos"), g, axis=0)
        out["gyro_rms"] = float(np.sqrt(np.mean(np.sum(g ** 2, axis=1))))
    # Tremor / context windows on the decimated path.
    q = max(1, int(fs // 50))
    d = signal.sosfilt(signal.butter(4, 0.4 * fs / q / nyq, "lowpass", output="sos"), acc, axis=0)[::q] if q > 1 else acc
    fst = fs / q
    hop = int(round(0.5 * fst))
    win = 8 * hop
    nfft = 1 << int(np.ceil(np.log2(4 * win)))
    starts = np.arange(0, len(d) - win + 1, hop)
    idx = starts[:, None] + np.arange(win)[None, :]
    seg = d[idx]  # (windows, win, 3)
    seg = seg - seg.mean(axis=1, keepdims=True)
    hann = np.hanning(win + 1)[:-1]
    spec = np.fft.rfft(seg * hann[None, :, None], n=nfft, axis=1)
    power = np.sum(np.abs(spec) ** 2, axis=2)  # (windows, bins)
    freqs = np.fft.rfftfreq(nfft, 1 / fst)
    band = (freqs >= 2.8) & (freqs <= min(12.5, 0.9 * fst / 2))
    kb = np.argmax(np.where(band[None, :], power, 0), axis=1)
    kb = np.clip(kb, 1, power.shape[1] - 2)
    r = np.arange(len(kb))
    y0, y1, y2 = (np.log(np.maximum(power[r, kb + o], 1e-30)) for o in (-1, 0, 1))
    den = y0 - 2 * y1 + y2
    delta = np.where(np.abs(den) > 1e-12, 0.5 * (y0 - y2) / np.where(den == 0, 1, den), 0.0)
    fpk = (kb + np.clip(delta, -0.5, 0.5)) * fst / nfft
    voluntary = power[:, (freqs >= 0.3) & (freqs <= 2.2)].sum(axis=1)
    acf_in = np.where(((freqs >= 0.5) & (freqs <= 12.0))[None, :], power, 0.0)
    acf = np.fft.irfft(acf_in, n=nfft, axis=1)
    lo, hi = int(0.25 * fst), int(2.0 * fst)
    periodicity = acf[:, lo:hi].max(axis=1) / np.maximum(acf[:, :1].ravel(), 1e-30)
    out["windows"] = len(starts)
    out["median_peak_hz"] = float(np.median(fpk)) if len(fpk) else 0.0
    out["moving_windows"] = int(np.count_nonzero(voluntary > 0))
    out["periodic_windows"] = int(np.count_nonzero(periodicity > 0.8))
    return out


def main():
    args = sys.argv[1:]
    path = args[0] if args and not args[0].startswith("--") else "/tmp/twitchwatch_baseline.csv"
    if "--make-input" in args:
        seconds = float(args[args.index("--make-input") + 1])
        make_input(path, seconds)
    t0 = time.perf_counter()
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    t1 = time.perf_counter()
    t, acc = data[:, 0], data[:, 1:4]
    gyro = data[:, 4:7] if data.shape[1] >= 7 else None
    feats = features(t, acc, gyro)
    t2 = time.perf_counter()
    n = len(t)
    print(f"numpy {np.__version__} scipy {scipy.__version__} python {sys.version.split()[0]}")
    print(f"samples {n}, read {t1 - t0:.3f} s, features {t2 - t1:.3f} s, "
          f"{n / (t2 - t1):.3e} samples/s (features only)")
    print(feats)


if __name__ == "__main__":
    main()
