"""Checks of the independent generator's own physics and file format (NOT the classifier's accuracy).

Fast (< 60 s on 2 cores): one small generated set plus a few hand-built canvases. If $TW_BIN (or
/tmp/tw-bin/twitchwatch) exists, one file is also fed to `classify` to check that it parses per docs/cli.md
(exit status 0, JSON lines); the events it prints are not looked at.
"""
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
import generate as gen  # noqa: E402


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("indep")
    gen.main(["--seed", "7", "--out", str(out), "--hours", "0.2", "--event-files", "3", "--event-minutes", "2.5"])
    return out


def files(out):
    return json.load(open(os.path.join(out, "manifest.json")))["files"]


def load(out, name):
    with open(os.path.join(out, name)) as f:
        header = f.readline().strip()
    d = np.loadtxt(os.path.join(out, name), delimiter=",", skiprows=1, ndmin=2)
    meta = json.load(open(os.path.join(out, name[:-4] + ".labels.json")))
    return header, d, meta


def all_labels(out, kind):
    for name in files(out):
        meta = json.load(open(os.path.join(out, name[:-4] + ".labels.json")))
        for lab in meta["events"]:
            if lab["kind"] == kind:
                yield meta, lab


# ----------------------------------------------------------------------------- file format (docs/cli.md)
def test_format_matches_cli_doc(data):
    for name in files(data):
        header, d, meta = load(data, name)
        assert header in ("t,ax,ay,az", "t,ax,ay,az,gx,gy,gz")
        assert d.shape[1] == len(header.split(","))
        assert np.all(np.isfinite(d))
        assert np.all(np.diff(d[:, 0]) > 0), "time must be strictly increasing"
        fs = 1 / np.median(np.diff(d[:, 0]))
        assert 25 <= fs <= 1000.0 + 1e-6, fs  # docs/cli.md: inferred rate must be 25-1000 Hz
        assert abs(fs - meta["sensor"]["fs"]) / meta["sensor"]["fs"] < 0.03
        assert 0.8 < np.median(np.linalg.norm(d[:, 1:4], axis=1)) < 1.2  # g, gravity included
        assert np.abs(d[:, 1:4]).max() <= meta["sensor"]["acc_range"] + 1e-9
        if d.shape[1] == 7:
            assert np.abs(d[:, 4:7]).max() <= meta["sensor"]["gyro_range"] * 1.0001
        assert meta["t_first"] == pytest.approx(d[0, 0], abs=1e-5)


def test_quantised_to_datasheet_lsb(data):
    for name in files(data)[:6]:
        _, d, meta = load(data, name)
        q = d[:, 1:4] / meta["sensor"]["acc_lsb"]
        assert np.max(np.abs(q - np.round(q))) < 0.01  # 6 decimals in g keep the 0.061-0.244 mg steps


@pytest.mark.skipif(not os.access(os.environ.get("TW_BIN", "/tmp/tw-bin/twitchwatch"), os.X_OK), reason="no CLI binary")
def test_cli_parses_a_file(data):
    tw = os.environ.get("TW_BIN", "/tmp/tw-bin/twitchwatch")
    for name in (files(data)[0], files(data)[-1]):
        p = subprocess.run([tw, "classify", "--input", os.path.join(data, name)], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        for line in p.stdout.splitlines():
            if line.strip():
                assert isinstance(json.loads(line), dict)


# ----------------------------------------------------------------------------- labels
def test_labels_inside_file_and_segments_cover_it(data):
    acts = set()
    for name in files(data):
        _, d, meta = load(data, name)
        t0, t1 = d[0, 0], d[-1, 0]
        for lab in meta["events"]:
            assert t0 <= lab["start_s"] < lab["end_s"] <= t1, (name, lab["kind"], lab["start_s"])
        segs = meta["segments"]
        assert segs and segs[0]["start_s"] <= t0 + 1.0 and segs[-1]["end_s"] >= t1 - 1.0
        for a, b in zip(segs, segs[1:]):
            assert abs(a["end_s"] - b["start_s"]) < 1e-3
        if meta["kind"] == "activity":
            assert meta["events"] == [], "everyday recordings are labelled event-free"
            acts.update(s["activity"] for s in segs)
    assert set(gen.ACTIVITIES) | {"rest"} <= acts


@pytest.fixture(scope="module")
def twitch_labels(data):
    """The small set's twitch labels plus 60 more on a hand-built rest canvas (every shape appears)."""
    labs = [lab for _, lab in all_labels(data, "fasciculation")]
    rng = np.random.default_rng(8)
    s = gen.pick_sensor(rng, name="verity", rate=208, placement="hand", has_gyro=True)
    cv = gen.Canvas(rng, 65, s, gen.make_person(rng))
    gen.set_context(cv, 0, 66, "lap")
    gen.add_floor(cv, rng)
    gen.start_in(cv, "lap")
    for k in range(60):
        gen.add_twitch(cv, rng, 2.0 + k, "lap", shape=gen.TWITCH_SHAPES[k % 4])
    t, A, W, tt, gaps = gen.sample_sensor(cv, rng)
    gen.twitch_size_vs_floor(cv, tt, A, s, gaps)
    return labs + cv.labels


def test_twitch_labels_physiological(twitch_labels):
    shapes = set()
    n = 0
    for lab in twitch_labels:
        n += 1
        dur = lab["end_s"] - lab["start_s"]
        limit = 0.300 if lab["shape"] in ("push", "ringdown") else 0.360
        assert 0.100 - 1e-3 <= dur <= limit + 1e-3
        assert 35 <= lab["contraction_ms"] <= 100 and 25 <= lab["half_relax_ms"] <= 110  # signals.md
        assert 2 - 1e-6 <= lab["amplitude"] <= 50 + 1e-6
        assert lab["amplitude_sampled"] <= lab["amplitude"] * 1.15
        assert lab["size_rel_floor"] is None or lab["size_rel_floor"] > 0
        shapes.add(lab["shape"])
    assert n >= 60
    assert shapes == set(gen.TWITCH_SHAPES)


def test_twitch_waveform_mostly_3_to_30_hz():
    rng = np.random.default_rng(3)
    for shape in gen.TWITCH_SHAPES:
        fr = []
        for _ in range(20):
            acc, _, meta, dur = gen.twitch_waveform(rng, 1000.0, shape)
            spec = np.abs(np.fft.rfft(acc, 8192)) ** 2
            f = np.fft.rfftfreq(8192, 1 / 1000.0)
            fr.append(spec[(f >= 3) & (f <= 30)].sum() / spec.sum())
            assert abs(acc[0]) < 0.02 and abs(acc[-1]) < 0.02, "no step at either end"
        assert np.median(fr) > (0.8 if shape == "ringdown" else 0.9), (shape, fr)


def test_twitch_peak_at_sensor_is_the_label():
    rng = np.random.default_rng(21)
    for place in ("hand", "wrist"):
        s = gen.pick_sensor(rng, name="hand16", rate=400, placement=place, has_gyro=True)
        cv = gen.Canvas(rng, 6, s, gen.make_person(rng))
        gen.start_in(cv, "table")
        i0, i1 = cv.idx(1.9), cv.idx(2.6)
        a0, _ = cv.view(i0, i1)
        gen.add_twitch(cv, rng, 2.0, "table", shape="push", amp_mg=12.0)
        a1, _ = cv.view(i0, i1)
        pk = np.max(np.linalg.norm(a1 - a0, axis=1)) * 1e3
        assert pk == pytest.approx(12.0, rel=0.02)


def test_tremor_labels(data):
    n = 0
    for meta, lab in all_labels(data, "tremor"):
        n += 1
        assert 3.0 <= lab["freq_min_hz"] <= lab["freq_hz"] <= lab["freq_max_hz"] <= 12.5
        assert lab["amplitude"] >= 2.0 - 1e-6 and lab["gyro_rms_dps"] >= 1.0 - 1e-6
        assert 5 - 1e-3 <= lab["end_s"] - lab["start_s"] <= 300 + 1e-3
    assert n >= 1


def test_tremor_spectral_peak_matches_label():
    """The tremor's own contribution (with minus without) peaks at the labelled frequency, in both the
    accelerometer and the gyroscope; in the sampled gyro signal (floor and noise included) it still does."""
    rng = np.random.default_rng(11)
    for place, ctx in (("hand", "posture"), ("wrist", "lap"), ("hand", "table")):
        s = gen.pick_sensor(rng, name="watch", rate=104, placement=place, has_gyro=True)
        cv = gen.Canvas(rng, 24, s, gen.make_person(rng))
        gen.set_context(cv, 0, 24, ctx)
        gen.add_floor(cv, rng)
        gen.start_in(cv, ctx)
        i0, i1 = cv.idx(5), cv.idx(20)
        a0, g0 = cv.view(i0, i1)
        gen.add_tremor(cv, rng, 2.0, 20.0, ctx)
        lab = cv.labels[-1]
        a1, g1 = cv.view(i0, i1)
        t, A, W, tt, _ = gen.sample_sensor(cv, rng)
        sel = (tt > 5) & (tt < 20)
        cases = [(a1 - a0, cv.fs), (g1 - g0, cv.fs)]
        if lab["gyro_rms_dps"] >= 3:
            cases.append((W[sel], s["fs"]))
        for x, fs in cases:
            x = x - x.mean(0)
            nfft = 1 << int(np.ceil(np.log2(len(x) * 2)))
            p = sum(np.abs(np.fft.rfft(x[:, k] * np.hanning(len(x)), nfft)) ** 2 for k in range(3))
            f = np.fft.rfftfreq(nfft, 1 / fs)
            band = (f >= 2.5) & (f <= 14)
            pk = f[band][np.argmax(p[band])]
            assert lab["freq_min_hz"] - 0.3 <= pk <= lab["freq_max_hz"] + 0.3, (place, pk, lab["freq_hz"])


def test_spasm_labels(data):
    for meta, lab in all_labels(data, "spasm"):
        d = lab["end_s"] - lab["start_s"]
        assert lab["shape"] in ("tonic", "cramp", "jerk")
        assert (0.5 <= d <= 5.5) if lab["shape"] == "jerk" else (1.0 <= d <= 320)
        assert lab["amplitude"] > 10  # large against a 2-7 mg floor


# ----------------------------------------------------------------------------- resting floor and kinematics
def test_rest_floor_at_the_wrist_is_2_to_7_mg():
    """signals.md: idle hands, watch on the wrist, ~104 Hz: 2-7 mg RMS sample-to-sample, gyro 0.5-10 deg/s."""
    s2s, gyr = [], []
    for seed in range(6):
        rng = np.random.default_rng([5, seed])
        s = gen.pick_sensor(rng, name="watch", rate=104, placement="wrist", has_gyro=True)
        cv = gen.Canvas(rng, 90, s, gen.make_person(rng))
        ctx = "lap" if seed % 2 else "table"
        gen.set_context(cv, 0, 91, ctx)
        gen.add_floor(cv, rng)
        gen.start_in(cv, ctx)
        t, A, W, tt, _ = gen.sample_sensor(cv, rng)
        A, W = A[300:], W[300:]
        s2s.append(gen.s2s_per_axis(A) * 1e3)
        gyr.append(gen.vrms(W - W.mean(0)))
    assert all(1.8 <= x <= 7.5 for x in s2s), s2s
    assert all(0.4 <= x <= 10 for x in gyr), gyr
    assert max(s2s) - min(s2s) > 1.0, "people differ"


def test_kinematics_static_and_rotation():
    rng = np.random.default_rng(2)
    for place in ("hand", "wrist"):
        geom = gen.Geometry(rng, place)
        n, fs = 2000, 1000.0
        Z = np.zeros((n, 3))
        pose = np.tile(gen.rotvec_pose(30, -20, 60), (n, 1))
        a, g = gen.kinematics(geom, fs, pose, Z, Z, Z, Z)
        assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-9) and np.allclose(g, 0, atol=1e-9)
        # constant pronation rate about the forearm axis: the gyro reads it (in sensor axes), the
        # accelerometer reads gravity plus the centripetal term w^2 r (r ~ 2-3.5 cm)
        w = 90 * gen.DEG
        fine = np.outer(np.arange(n) / fs * w, [1.0, 0, 0])
        a, g = gen.kinematics(geom, fs, pose, fine, Z, Z, Z)
        assert np.allclose(np.linalg.norm(g[5:-5], axis=1), 90.0, rtol=1e-3)
        extra = np.abs(np.linalg.norm(a[5:-5], axis=1) - 1.0).max()
        assert extra < w ** 2 * 0.1 / gen.G


def test_sensor_timing_models():
    rng = np.random.default_rng(4)
    for name, rate in (("verity", 52), ("watch", 100), ("hand16", 1000)):
        s = gen.pick_sensor(rng, name=name, rate=rate, has_gyro=True)
        s["gaps_per_h"] = 0
        cv = gen.Canvas(rng, 30, s, gen.make_person(rng))
        gen.start_in(cv, "table")
        t, A, W, tt, gaps = gen.sample_sensor(cv, rng)
        dt = np.diff(t)
        assert np.all(dt > 0)
        assert abs(np.median(dt) * rate - 1) < 0.03
        assert np.max(np.abs(t - tt)) < 1.0 / rate  # recorded vs true time: under one sample period


def test_floor_spectrum_has_no_cliffs():
    """Body-motion spectra roll off smoothly (A19): no jump of more than 6 dB between adjacent 0.25 Hz bins
    from 1 to 40 Hz, in either sensor, at hand or wrist."""
    from scipy.signal import welch
    for seed, place in enumerate(("hand", "wrist")):
        rng = np.random.default_rng([31, seed])
        s = gen.pick_sensor(rng, name="hand16", rate=200, placement=place, has_gyro=True)
        cv = gen.Canvas(rng, 150, s, gen.make_person(rng))
        gen.set_context(cv, 0, 151, "lap")
        gen.add_floor(cv, rng)
        gen.start_in(cv, "lap")
        t, A, W, tt, _ = gen.sample_sensor(cv, rng)
        for x in (A, W):
            f, p = welch(x[400:] - x[400:].mean(0), fs=200, nperseg=800, axis=0)
            p = p.sum(1)
            sel = (f >= 1) & (f <= 40)
            jump = np.abs(np.diff(10 * np.log10(p[sel])))
            assert jump.max() < 6.0, (place, f[sel][np.argmax(jump)], jump.max())
