"""Smoke test of the independent generator's own physics and file format (not the classifier's accuracy)."""
import json
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
import generate as gen  # noqa: E402


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("indep")
    gen.main(["--seed", "7", "--out", str(out), "--hours", "0.3", "--event-files", "3", "--event-minutes", "2.5"])
    return out


def load(out, name):
    with open(os.path.join(out, name)) as f:
        header = f.readline().strip()
    d = np.loadtxt(os.path.join(out, name), delimiter=",", skiprows=1, ndmin=2)
    meta = json.load(open(os.path.join(out, name[:-4] + ".labels.json")))
    return header, d, meta


def files(out):
    return json.load(open(os.path.join(out, "manifest.json")))["files"]


def test_format_matches_cli_doc(data):
    for name in files(data):
        header, d, meta = load(data, name)
        assert header in ("t,ax,ay,az", "t,ax,ay,az,gx,gy,gz")
        assert d.shape[1] == len(header.split(","))
        assert np.all(np.isfinite(d))
        assert np.all(np.diff(d[:, 0]) > 0), "time must be strictly increasing"
        fs = 1 / np.median(np.diff(d[:, 0]))
        assert 25 <= fs <= 1010
        assert abs(fs - meta["sensor"]["fs"]) / meta["sensor"]["fs"] < 0.02
        # gravity included, in g
        assert 0.8 < np.median(np.linalg.norm(d[:, 1:4], axis=1)) < 1.3
        assert np.abs(d[:, 1:4]).max() <= meta["sensor"]["acc_range"]


def test_twitch_labels_physiological(data):
    n = 0
    for name in files(data):
        _, _, meta = load(data, name)
        for lab in meta["events"]:
            if lab["kind"] != "fasciculation":
                continue
            n += 1
            dur = lab["end_s"] - lab["start_s"]
            assert 0.100 - 1e-3 <= dur <= 0.300 + 1e-3
            assert 35 <= lab["contraction_ms"] <= 100 and 25 <= lab["half_relax_ms"] <= 110
            assert 2 <= lab["amplitude"] <= 50
            assert lab["shape"] in ("push", "push_recoil", "doublet")
    assert n > 10


def test_twitch_waveform_band():
    rng = np.random.default_rng(3)
    for shape in ("push", "push_recoil", "doublet"):
        acc, _, meta, dur = gen.twitch_waveform(rng, 2000.0, shape)
        if meta["ringdown"]:
            continue
        spec = np.abs(np.fft.rfft(acc, 8192)) ** 2
        f = np.fft.rfftfreq(8192, 1 / 2000.0)
        frac = spec[(f >= 2) & (f <= 40)].sum() / spec.sum()
        assert frac > 0.8, (shape, frac)  # "mostly 3-30 Hz"


def test_tremor_peak_matches_label(data):
    checked = 0
    for name in files(data):
        header, d, meta = load(data, name)
        fs = meta["sensor"]["fs"]
        for lab in meta["events"]:
            if lab["kind"] != "tremor" or lab["end_s"] - lab["start_s"] < 6 or lab["amplitude"] < 8:
                continue
            sel = (d[:, 0] >= lab["start_s"] + 1.5) & (d[:, 0] <= lab["end_s"] - 1.5)
            x = d[sel, 4:7] if d.shape[1] == 7 else d[sel, 1:4]
            x = x - x.mean(0)
            nfft = 1 << int(np.ceil(np.log2(len(x) * 4)))
            p = sum(np.abs(np.fft.rfft(x[:, k] * np.hanning(len(x)), nfft)) ** 2 for k in range(3))
            f = np.fft.rfftfreq(nfft, 1 / fs)
            band = (f >= 2.5) & (f <= 14)
            peak = f[band][np.argmax(p[band])]
            assert abs(peak - lab["freq_hz"]) < 0.6 or lab["freq_min_hz"] - 0.3 <= peak <= lab["freq_max_hz"] + 0.3, (name, peak, lab)
            checked += 1
    if checked == 0:
        # build one explicitly so the check always runs
        rng = np.random.default_rng(11)
        s = gen.pick_sensor(rng, name="watch", rate=104)
        cv = gen.Canvas(rng, 20, s, gen.make_person(rng))
        gen.add_tremor(cv, rng, 2.0, 15.0, "posture")
        lab = cv.labels[-1]
        t, A, W = gen.sample_sensor(cv, rng)
        x = W[(t > 4) & (t < 15)]
        x = x - x.mean(0)
        p = sum(np.abs(np.fft.rfft(x[:, k], 8192)) ** 2 for k in range(3))
        f = np.fft.rfftfreq(8192, 1 / s["fs"])
        band = (f >= 2.5) & (f <= 14)
        assert abs(f[band][np.argmax(p[band])] - lab["freq_hz"]) < 0.6


def test_rest_floor_level():
    rng = np.random.default_rng(5)
    s = gen.pick_sensor(rng, name="watch", rate=104, placement="wrist")
    person = gen.make_person(rng)
    cv = gen.Canvas(rng, 120, s, person)
    gen.set_context(cv, 0, 120, "lap")
    gen.add_floor(cv, rng)
    cv.set_posture(gen.POSTURES["lap"](rng))
    t, A, W = gen.sample_sensor(cv, rng)
    dyn = A - gen.lowpass_fft(A, s["fs"], 0.5, 2)
    rms = 1e3 * np.sqrt(np.mean(np.sum(dyn[200:-200] ** 2, 1)))
    assert 1.0 <= rms <= 12.0, (rms, person["idle_rms_mg"])  # signals.md: idle hands 2-7 mg
    g = W - W.mean(0)
    grms = np.sqrt(np.mean(np.sum(g ** 2, 1)))
    assert 0.2 <= grms <= 12.0


def test_labels_files_cover_everything(data):
    acts = set()
    for name in files(data):
        _, d, meta = load(data, name)
        assert meta["segments"], name
        for sg in meta["segments"]:
            acts.add(sg["activity"])
        if meta["kind"] == "events":
            for lab in meta["events"]:
                assert d[0, 0] <= lab["start_s"] < lab["end_s"] <= d[-1, 0] + 1
    assert set(gen.ACTIVITIES) <= acts
