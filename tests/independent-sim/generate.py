#!/usr/bin/env python3
"""Independent motion-recording generator for TwitchWatch (second-opinion test data).

Written from /work/shared/notes/signals.md, the seed text and published physiology / sensor data-sheet
facts only; the project's classifier, simulator and evaluation code were never read. Every modelling
assumption is listed, with its source, in ASSUMPTIONS.md beside this file (the A-numbers in comments).

Physics in one paragraph (A1-A4): the arm is two rigid segments. The forearm turns about the elbow; its
orientation is a slow "pose" (world rotation vector, postures and gross movements) composed with a small
"fine" rotation in the forearm's own frame (floor, tremor, small movements). The hand turns about the wrist
joint, at the forearm's tip, by a small rotation in the forearm frame. The elbow itself may accelerate
(whole-arm / body translation). A wrist sensor rides on the forearm just proximal of the wrist joint, a hand
sensor on the back of the hand. The accelerometer reads specific force in g in its own axes,
R^T (a_elbow + d2p/dt2 + g_up) + local skin acceleration; the gyroscope reads body angular rate from
consecutive orientations. Everything is simulated at >= 1 kHz, then passed through the sensor's causal
anti-alias low-pass, sampled at the sensor's true (slightly wrong) rate, given noise, bias drift, gain and
cross-axis error, quantised to the data-sheet LSB, clipped to range, and time-stamped the way that kind of
device time-stamps (Polar frames spread back at the nominal rate, watch OS jitter, FIFO), with rare lost
frames.

Usage: python generate.py --seed 1 --out /tmp/indep-data [--hours 10.5] [--event-files 40]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

import numpy as np
from scipy.signal import butter, sosfilt, sosfilt_zi, sosfiltfilt
from scipy.spatial.transform import Rotation, Slerp

G = 9.80665
DEG = math.pi / 180.0

ACTIVITIES = ["mouse", "touchpad", "phone_scroll", "phone_typing", "keyboard", "reading", "eating",
              "drinking", "scratching", "fidgeting", "phone_call", "writing", "walking"]
TWITCH_SHAPES = ["push", "push_recoil", "doublet", "ringdown"]

# ----------------------------------------------------------------------------- sensor models (A30-A38)
SENSORS = {
    # Polar Verity Sense-like: 52 Hz normal mode, 104-416 Hz SDK mode; +-8 g, 16 bit (0.244 mg/LSB);
    # ST LSM6DS-class noise; BLE frames time-stamped at the last sample and spread back at the nominal rate.
    "verity": dict(rates=[52, 104, 208, 416], acc_range=[8.0], gyro_range=2000.0,
                   acc_nd_ug=(70, 150), gyro_nd=(0.0038, 0.010), odr_err=0.01, stamp="frames",
                   jitter=(0.0, 0.0), gaps_per_h=(0, 6), aa_frac=(0.25, 0.45)),
    # Smartwatch IMU: 50-104 Hz through the phone/watch OS; per-sample time-stamp jitter; rare batch gaps.
    "watch": dict(rates=[50, 52, 100, 104], acc_range=[8.0], gyro_range=2000.0,
                  acc_nd_ug=(90, 180), gyro_nd=(0.004, 0.012), odr_err=0.02, stamp="jitter",
                  jitter=(0.005, 0.04), gaps_per_h=(0, 3), aa_frac=(0.2, 0.45)),
    # 16-bit hand sensor (LSM6DSO / BMI270 / ICM-4x class) at 200-1000 Hz, +-4 or +-8 g, FIFO time stamps.
    "hand16": dict(rates=[200, 250, 400, 500, 800, 1000], acc_range=[4.0, 8.0], gyro_range=500.0,
                   acc_nd_ug=(60, 170), gyro_nd=(0.0028, 0.008), odr_err=0.0003, stamp="fifo",
                   jitter=(0.0005, 0.003), gaps_per_h=(0, 0), aa_frac=(0.3, 0.45)),
}


def st_lsb_acc(rng_g):
    """ST data-sheet sensitivity: 0.061 mg/LSB at +-2 g, doubling per range step (A34)."""
    return 0.061e-3 * rng_g / 2.0


def st_lsb_gyro(rng_dps):
    """ST data-sheet sensitivity: 4.375 mdps/LSB at 125 dps, 70 mdps/LSB at 2000 dps (A34)."""
    return 4.375e-3 * rng_dps / 125.0


def pick_sensor(rng, name=None, rate=None, placement=None, has_gyro=None):
    name = str(name or rng.choice(["verity", "watch", "hand16"], p=[0.35, 0.35, 0.30]))
    s = SENSORS[name]
    fs = float(rate or rng.choice(s["rates"]))
    acc_range = float(rng.choice(s["acc_range"]))
    if placement is None:
        placement = "wrist" if name == "watch" else ("hand" if name == "hand16" or rng.random() < 0.6 else "wrist")
    odr_err = rng.uniform(-s["odr_err"], s["odr_err"])
    if fs * (1 + odr_err) > 1000.0:  # docs/cli.md accepts <= 1000 Hz; keep a 1 kHz part at or below it
        odr_err = -abs(odr_err)
    aa_fc = fs * rng.uniform(*s["aa_frac"])
    return dict(model=name, fs=fs, fs_true=fs * (1 + odr_err), odr_err=odr_err, acc_range=acc_range,
                gyro_range=s["gyro_range"], acc_lsb=st_lsb_acc(acc_range), gyro_lsb=st_lsb_gyro(s["gyro_range"]),
                acc_nd=rng.uniform(*s["acc_nd_ug"]) * 1e-6, gyro_nd=rng.uniform(*s["gyro_nd"]),
                stamp=s["stamp"], jitter=rng.uniform(*s["jitter"]), frame_len=int(rng.integers(18, 72)),
                gaps_per_h=rng.uniform(*s["gaps_per_h"]), aa_fc=aa_fc, aa_order=int(rng.choice([2, 3, 4])),
                placement=placement, has_gyro=bool(rng.random() < 0.8) if has_gyro is None else bool(has_gyro),
                acc_bias=rng.normal(0, 0.015, 3), acc_gain=1 + rng.normal(0, 0.01, 3),
                acc_cross=rng.normal(0, 0.005, (3, 3)), gyro_bias=rng.normal(0, 0.4, 3),
                acc_drift_g=rng.uniform(0.0002, 0.001), gyro_drift_dps=rng.uniform(0.02, 0.2))


def noise_sigma(sensor):
    """Per-axis white-noise sigma (g, dps) of one sample: density x sqrt(equivalent noise bandwidth)."""
    bw = 1.57 * min(sensor["aa_fc"], sensor["fs"] / 2)
    return sensor["acc_nd"] * math.sqrt(bw), sensor["gyro_nd"] * math.sqrt(bw)


# ----------------------------------------------------------------------------- small signal helpers
def smooth_noise(rng, n, fs, f_lo, f_hi, slope=0.0, order=2):
    """Unit-RMS Gaussian noise, band-limited to about [f_lo, f_hi] with smooth (Butterworth-like, order 2 =
    12 dB/octave) edges, power spectrum ~ f^-slope inside the band. Body-motion spectra have no brick-wall
    edges (A19)."""
    if n < 4:
        return np.zeros(n)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / fs)
    hp = (f / f_lo) ** (2 * order)
    w = np.sqrt(hp / (1 + hp) / (1 + (f / f_hi) ** (2 * order)))
    if slope:
        w[1:] *= (np.maximum(f[1:], f_lo) / f_lo) ** (-slope / 2)
    w[0] = 0.0
    x = np.fft.irfft(spec * w, n)
    s = x.std()
    return x / s if s > 0 else x


def resonant_noise(rng, n, fs, f0, bw):
    """Unit-RMS noise through a second-order resonance at f0 (-3 dB width ~bw), with the slow part removed:
    the shape of a mechanical-reflex / central oscillation such as physiological tremor (A11)."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / fs)
    r = f / f0
    q = f0 / bw
    h = 1 / np.sqrt((1 - r ** 2) ** 2 + (r / q) ** 2)
    hp = (f / 2.0) ** 4
    h *= np.sqrt(hp / (1 + hp))
    x = np.fft.irfft(spec * h, n)
    return x / x.std()


def minjerk(tau):
    tau = np.clip(tau, 0, 1)
    return 10 * tau ** 3 - 15 * tau ** 4 + 6 * tau ** 5


def minjerk_acc(tau):
    tau = np.clip(tau, 0, 1)
    return 60 * tau - 180 * tau ** 2 + 120 * tau ** 3


def unit(rng, k=3):
    v = rng.standard_normal(k)
    return v / np.linalg.norm(v)


def rotvec_pose(yaw_deg, elev_deg, roll_deg):
    """Forearm pose: yaw about world z, elevation of the forearm axis above horizontal, roll (0 = palm down,
    90 = thumb up, 180 = palm up) about the forearm axis."""
    return Rotation.from_euler("ZYX", [yaw_deg * DEG, -elev_deg * DEG, roll_deg * DEG]).as_rotvec()


def smooth_steps(x, fs, win_s=0.8):
    """Moving average (context gains change smoothly, never in one sample)."""
    k = max(int(win_s * fs), 1)
    c = np.cumsum(np.concatenate([[x[0]] * k, x, [x[-1]] * k]))
    y = (c[k:] - c[:-k]) / k
    return y[k // 2: k // 2 + len(x)]


def vrms(x):
    """Vector RMS of an (n,3) array."""
    return float(np.sqrt(np.mean(np.sum(x ** 2, 1)))) if len(x) else 0.0


def s2s_per_axis(x):
    """'Sample-to-sample variation': RMS of consecutive differences, averaged over the three axes (A12)."""
    d = np.diff(x, axis=0)
    return float(np.sqrt(np.mean(d ** 2))) if len(d) else 0.0


# ----------------------------------------------------------------------------- kinematics (A1-A4)
class Geometry:
    def __init__(self, rng, placement):
        self.placement = placement
        self.L_f = rng.uniform(0.23, 0.28)  # elbow to wrist joint, m (A3)
        self.J = np.array([self.L_f, 0.0, 0.0])
        if placement == "hand":  # back of the hand: 4-8 cm distal of the wrist joint, 1.5-3 cm above the bones
            self.r = np.array([rng.uniform(0.04, 0.08), rng.normal(0, 0.01), rng.uniform(0.015, 0.03)])
        else:  # watch / strap just proximal of the wrist joint, on the back of the forearm
            self.r = np.array([self.L_f - rng.uniform(0.01, 0.04), rng.normal(0, 0.005), rng.uniform(0.02, 0.035)])
        # mounting: any yaw on the segment, a few degrees of tilt
        self.Q0 = Rotation.from_rotvec([rng.normal(0, 0.08), rng.normal(0, 0.08), 0]).as_matrix() @ \
            Rotation.from_rotvec([0, 0, rng.uniform(-math.pi, math.pi)]).as_matrix()

    def sensor_pose(self, pose, fine, hand):
        """Sensor -> world rotation (N,3,3) and sensor position relative to the elbow (N,3), m."""
        Rf = (Rotation.from_rotvec(pose) * Rotation.from_rotvec(fine)).as_matrix()
        if self.placement == "hand":
            Rh = Rotation.from_rotvec(hand).as_matrix()
            p = np.einsum("nij,nj->ni", Rf, self.J[None] + np.einsum("nij,j->ni", Rh, self.r))
            Rs = np.einsum("nij,njk->nik", Rf, Rh) @ self.Q0
        else:
            p = np.einsum("nij,j->ni", Rf, self.r)
            Rs = Rf @ self.Q0
        return Rs, p


def kinematics(geom, fs, pose, fine, hand, acc_w, acc_s):
    """Accelerometer (g, gravity included, sensor axes) and gyroscope (deg/s, sensor axes)."""
    n = pose.shape[0]
    acc = np.empty((n, 3))
    gyr = np.empty((n, 3))
    step = 200_000
    for a in range(0, n, step):
        lo, hi = max(a - 3, 0), min(a + step + 3, n)
        Rs, p = geom.sensor_pose(pose[lo:hi], fine[lo:hi], hand[lo:hi])
        pdd = np.gradient(np.gradient(p, 1 / fs, axis=0), 1 / fs, axis=0) / G
        aw = acc_w[lo:hi] + pdd
        aw[:, 2] += 1.0
        a_s = np.einsum("nji,nj->ni", Rs, aw) + acc_s[lo:hi]
        M = np.einsum("nji,njk->nik", Rs[:-1], Rs[1:])  # R_k^T R_{k+1}: body-frame increment
        w = np.stack([M[:, 2, 1] - M[:, 1, 2], M[:, 0, 2] - M[:, 2, 0], M[:, 1, 0] - M[:, 0, 1]], 1) / 2 * fs
        w = np.vstack([w[:1], (w[1:] + w[:-1]) / 2, w[-1:]]) / DEG  # centred on the samples
        s0, m = a - lo, min(step, n - a)
        acc[a:a + m] = a_s[s0:s0 + m]
        gyr[a:a + m] = w[s0:s0 + m]
    return acc, gyr


# ----------------------------------------------------------------------------- the simulation canvas
CONTEXTS = ["table", "lap", "posture", "phone", "ear", "book", "hang"]


def context_pose(rng, ctx):
    """Forearm pose and hand angle for a context (A5)."""
    U = rng.uniform
    if ctx == "table":
        p = rotvec_pose(U(-30, 30), U(-5, 5), rng.normal(0, 10))
    elif ctx == "lap":
        p = rotvec_pose(U(-40, 40), U(-35, -15), float(rng.choice([U(-10, 20), U(40, 90)])))
    elif ctx == "posture":  # arms held out in front
        p = rotvec_pose(U(-20, 20), U(-5, 10), float(rng.choice([rng.normal(0, 8), rng.normal(90, 8)])))
    elif ctx == "phone":
        p = rotvec_pose(U(-30, 30), U(20, 45), U(100, 160))
    elif ctx == "book":
        p = rotvec_pose(U(-30, 30), U(10, 35), U(80, 150))
    elif ctx == "ear":
        p = rotvec_pose(U(-60, 0), U(55, 85), U(60, 100))
    else:  # hang: arm down beside the body (walking)
        p = rotvec_pose(U(-10, 10), U(-85, -70), U(60, 100))
    hand = np.array([0.0, rng.normal(0, 8), rng.normal(0, 5)]) * DEG
    return p, hand


class Canvas:
    def __init__(self, rng, dur_s, sensor, person):
        self.rng, self.sensor, self.person = rng, sensor, person
        self.fs = float(max(1000.0, 2 * sensor["fs"]))
        self.n = int(dur_s * self.fs) + 8
        z = lambda: np.zeros((self.n, 3))
        self.pose, self.fine, self.hand, self.acc_w, self.acc_s = z(), z(), z(), z(), z()
        self.ctx = np.full(self.n, CONTEXTS.index("lap"), dtype=np.int8)
        self.cur_hand = np.zeros(3)
        self.geom = Geometry(rng, sensor["placement"])
        self.labels, self.segments, self.contribs = [], [], []
        self.cur_pose = np.zeros(3)

    def idx(self, t):
        return int(round(t * self.fs))

    def span(self, t0, dur):
        i0 = min(max(self.idx(t0), 0), self.n)
        return i0, min(self.idx(t0 + dur), self.n)

    def tvec(self, i0, i1):
        return np.arange(i1 - i0) / self.fs

    def view(self, i0, i1, pad=4):
        lo, hi = max(i0 - pad, 0), min(i1 + pad, self.n)
        a, g = kinematics(self.geom, self.fs, self.pose[lo:hi], self.fine[lo:hi], self.hand[lo:hi],
                          self.acc_w[lo:hi], self.acc_s[lo:hi])
        return a[i0 - lo:i0 - lo + (i1 - i0)], g[i0 - lo:i0 - lo + (i1 - i0)]

    # --- the slow pose track: written chronologically (later moves overwrite the tail)
    def set_pose(self, t0, target):
        i0 = self.idx(t0)
        self.pose[i0:] = target
        self.cur_pose = np.asarray(target, float)

    def move_pose(self, t0, dur, target, hold=None, back=None):
        """Min-jerk slerp from the current pose to target; with hold/back, return to the current pose."""
        prev = self.cur_pose.copy()
        i0, i1 = self.span(t0, dur)
        if i1 <= i0:
            return t0 + dur
        sl = Slerp([0, 1], Rotation.from_rotvec([prev, target]))
        self.pose[i0:i1] = sl(minjerk(self.tvec(i0, i1) / dur)).as_rotvec()
        self.pose[i1:] = target
        if hold is None:
            self.cur_pose = np.asarray(target, float)
            return t0 + dur
        i2, i3 = self.span(t0 + dur + hold, back)
        if i3 > i2:
            sl2 = Slerp([0, 1], Rotation.from_rotvec([target, prev]))
            self.pose[i2:i3] = sl2(minjerk(self.tvec(i2, i3) / back)).as_rotvec()
        self.pose[i3:] = prev
        return t0 + dur + hold + back

    # --- additive small rotations on the 'fine' (forearm frame) or 'hand' (wrist joint) track
    def track(self, name):
        return {"fine": self.fine, "hand": self.hand}[name]

    def rot_step(self, trk, t0, dur, dvec, ret=None):
        X = self.track(trk)
        i0, i1 = self.span(t0, dur)
        if i0 >= self.n:
            return
        X[i0:i1] += np.outer(minjerk(self.tvec(i0, i1) / dur), dvec)
        if ret is None:
            X[i1:] += dvec
            return
        hold, back = ret
        i2 = min(self.idx(t0 + dur + hold), self.n)
        i3 = min(self.idx(t0 + dur + hold + back), self.n)
        X[i1:i2] += dvec
        X[i2:i3] += np.outer(1 - minjerk(self.tvec(i2, i3) / back), dvec)

    def rot_bump(self, trk, t0, dur, dvec):
        X = self.track(trk)
        i0, i1 = self.span(t0, dur)
        X[i0:i1] += np.outer(np.sin(np.pi * self.tvec(i0, i1) / dur) ** 2, dvec)

    def trans(self, t0, dur, disp_m):
        """Min-jerk translation of the elbow by disp_m (world, m)."""
        i0, i1 = self.span(t0, dur)
        self.acc_w[i0:i1] += np.outer(minjerk_acc(self.tvec(i0, i1) / dur), disp_m) / dur ** 2 / G

    def trans_bump(self, t0, dur, disp_m):
        """Go-and-return translation; displacement sin^2."""
        i0, i1 = self.span(t0, dur)
        w = np.pi / dur
        self.acc_w[i0:i1] += np.outer(2 * w ** 2 * np.cos(2 * w * self.tvec(i0, i1)), disp_m) / G

    def transient(self, t0, amp_g, f, decay, direction=None):
        """Damped sine at the sensor (tap, click, key press, heel strike); amplitude in g, sensor axes."""
        i0 = self.idx(t0)
        i1 = min(i0 + int(5 * decay * self.fs) + 1, self.n)
        if i0 >= self.n:
            return
        tt = self.tvec(i0, i1)
        d = direction if direction is not None else unit(self.rng)
        self.acc_s[i0:i1] += np.outer(amp_g * np.sin(2 * np.pi * f * tt) * np.exp(-tt / decay), d)

    def segment(self, activity, t0, t1, context):
        self.segments.append(dict(activity=activity, start_s=round(t0, 4), end_s=round(t1, 4), context=context))


# ----------------------------------------------------------------------------- the person's resting floor
def make_person(rng):
    """Per-person floor parameters (A10-A18)."""
    return dict(
        floor_s2s_mg=rng.uniform(2.0, 7.0),   # signals.md: idle hands 2-7 mg RMS sample-to-sample (watch, ~104 Hz)
        floor_gyro_dps=math.exp(rng.uniform(math.log(0.5), math.log(5.0))),  # signals.md: 0.5-10 deg/s
        table_rel=rng.uniform(0.7, 1.0),      # hand resting on a table vs on the lap (assumption A14)
        muscle_share=rng.uniform(0.2, 0.7),   # share of the translational floor in the 4-30 Hz band (A13)
        ptremor_hz=rng.uniform(8.0, 12.0),    # signals.md: physiological tremor 8-12 Hz
        ptremor_dps=rng.uniform(0.1, 0.8),    # hand rotation at rest (A11)
        hr_bpm=rng.uniform(55, 95), bcg_mg=rng.uniform(0.3, 2.0),
        breath_hz=rng.uniform(0.2, 0.3), breath_deg=rng.uniform(0.05, 0.4),
        adjust_every_s=rng.uniform(8, 40), adjust_deg=rng.uniform(0.5, 3.0),
        transient_wrist_att=rng.uniform(0.3, 0.7),  # finger taps reach a wrist sensor attenuated (A47)
    )


# relative floor level per context: (translation micro, rotation micro, physiological tremor)  (A14)
CONTEXT_GAIN = {"table": None, "lap": (1.0, 1.0, 1.0), "posture": (1.4, 1.5, 2.5), "phone": (1.2, 1.3, 1.6),
                "ear": (1.3, 1.4, 1.6), "book": (1.2, 1.3, 1.5), "hang": (1.0, 1.1, 1.2)}

REF = dict(fs=104.0, aa_frac=0.4, aa_order=3, acc_nd=120e-6)  # the notes' reference watch (A12)


def ref_view_stats(fs, pose_rv, fine, hand, acc_w):
    """What the notes' reference watch (wrist, ~104 Hz) sees of a noise-free component: per-axis s2s (g^2)
    and gyro vector mean square ((deg/s)^2)."""
    n = fine.shape[0]
    geom = Geometry(np.random.default_rng(0), "wrist")
    geom.L_f, geom.J = 0.26, np.array([0.26, 0, 0])
    geom.r, geom.Q0 = np.array([0.245, 0.0, 0.028]), np.eye(3)
    a, g = kinematics(geom, fs, np.tile(pose_rv, (n, 1)), fine, hand, acc_w, np.zeros((n, 3)))
    sos = butter(REF["aa_order"], REF["aa_frac"] * REF["fs"], fs=fs, output="sos")
    a = sosfilt(sos, a - a[0], axis=0)
    g = sosfilt(sos, g, axis=0)
    k = np.arange(int(n / fs * REF["fs"])) * (fs / REF["fs"])
    k = k[(k > 2 * fs) & (k < n - 2)].astype(int)  # skip the filter's start
    return s2s_per_axis(a[k]) ** 2, float(np.mean(np.sum(g[k] ** 2, 1)))


def floor_components(cv, rng):
    """Unscaled floor components over the whole canvas (all zero-mean, stationary)."""
    p, n, fs = cv.person, cv.n, cv.fs
    c = {}
    # physiological tremor: narrow band around the person's 8-12 Hz; mostly the hand at the wrist joint,
    # a smaller share on the forearm, a little translation (A11)
    bw = rng.uniform(1.0, 2.5)
    f0 = p["ptremor_hz"]
    wh = np.stack([resonant_noise(rng, n, fs, f0, bw) * s for s in (0.3, 1.0, 0.6)], 1)
    wh *= p["ptremor_dps"] * DEG / vrms(wh)
    wf = np.stack([resonant_noise(rng, n, fs, f0, bw) for _ in range(3)], 1)
    wf *= rng.uniform(0.2, 0.5) * p["ptremor_dps"] * DEG / vrms(wf)
    c["pt_hand_rate"], c["pt_fine_rate"] = wh, wf
    c["pt_acc"] = np.stack([resonant_noise(rng, n, fs, f0, bw) for _ in range(3)], 1) * rng.uniform(0.1, 0.5) * 1e-3 / math.sqrt(3)
    # ballistocardiogram: one small biphasic pulse per beat along a person-specific direction, HRV ~5% (A15)
    bcg = np.zeros((n, 3))
    d = unit(rng)
    L = int(0.25 * fs)
    tt = np.arange(L) / fs
    pulse = np.sin(2 * np.pi * rng.uniform(5, 9) * tt) * np.exp(-((tt - 0.06) / 0.05) ** 2)
    pulse /= np.abs(pulse).max()
    tb = rng.uniform(0, 1)
    while tb < n / fs - 0.3:
        i = int(tb * fs)
        bcg[i:i + L] += np.outer(pulse[: n - i] * p["bcg_mg"] * 1e-3 * rng.uniform(0.8, 1.2), d)
        tb += 60 / p["hr_bpm"] * rng.normal(1, 0.05)
    c["bcg"] = bcg
    # breathing: slow rocking of the forearm, rate wanders (A16)
    ph = 2 * np.pi * np.cumsum(p["breath_hz"] * (1 + 0.15 * smooth_noise(rng, n, fs, 0.005, 0.05))) / fs
    ax = unit(rng)
    c["breath_fine"] = np.outer(np.sin(ph) * p["breath_deg"] * DEG, ax)
    c["breath_acc"] = np.outer(np.sin(ph + 1) * rng.uniform(0.05, 0.3) * 1e-3, unit(rng))
    # postural sway / micro-movement: rotation rate 0.3-4 Hz (1/f), forearm and hand (A13)
    c["sway_fine_rate"] = np.stack([smooth_noise(rng, n, fs, 0.3, 4.0, slope=1.0) for _ in range(3)], 1) / math.sqrt(3)
    c["sway_hand_rate"] = np.stack([smooth_noise(rng, n, fs, 0.3, 6.0, slope=1.0) for _ in range(3)], 1) / math.sqrt(3) * rng.uniform(0.3, 0.8)
    # translational micro-movement: slow sway 0.3-4 Hz (1/f) plus low-level muscle mechanical noise 4-30 Hz (A13)
    sway = np.stack([smooth_noise(rng, n, fs, 0.3, 4.0, slope=1.0) for _ in range(3)], 1)
    musc = np.stack([smooth_noise(rng, n, fs, 4.0, 30.0, slope=0.5) for _ in range(3)], 1)
    m = p["muscle_share"]
    c["micro_acc"] = (math.sqrt(1 - m) * sway + math.sqrt(m) * musc) / math.sqrt(3)
    # non-stationary envelope of the micro-movement (people settle and fidget a little)
    env = np.exp(0.35 * smooth_noise(rng, n, fs, 0.005, 0.1))
    c["env"] = env / np.sqrt(np.mean(env ** 2))
    return c


def add_floor(cv, rng):
    """Physiological tremor, pulse, breathing, micro-movement and small adjustments, everywhere (A10-A18),
    scaled so that the notes' reference watch on an idle lap hand shows the person's floor."""
    p, n, fs = cv.person, cv.n, cv.fs
    c = floor_components(cv, rng)
    # --- calibration on the first <= 60 s, at a lap pose, through the reference watch
    m = min(n, int(60 * fs))
    pose_ref = rotvec_pose(0, -25, 30)
    Z = np.zeros((m, 3))
    cum = lambda x: np.cumsum(x[:m], 0) / fs
    V_pt, G_pt = ref_view_stats(fs, pose_ref, cum(c["pt_fine_rate"]), cum(c["pt_hand_rate"]), c["pt_acc"][:m])
    V_fx, G_fx = ref_view_stats(fs, pose_ref, c["breath_fine"][:m], Z, c["bcg"][:m] + c["breath_acc"][:m])
    # the sway is calibrated at a 1 deg/s scale (small angles, so the kinematics stay linear in the scale)
    V_rt, G_rt = ref_view_stats(fs, pose_ref, cum(c["sway_fine_rate"]) * DEG, cum(c["sway_hand_rate"]) * DEG, Z)
    V_tr, _ = ref_view_stats(fs, pose_ref, Z, Z, c["micro_acc"][:m])
    sig_ref = REF["acc_nd"] * math.sqrt(1.57 * REF["aa_frac"] * REF["fs"])
    V_noise = 2 * sig_ref ** 2  # per-axis difference of white noise
    tg = p["floor_gyro_dps"]
    s_rot = math.sqrt(max(tg ** 2 - G_pt - G_fx, 0.1 * tg ** 2) / max(G_rt, 1e-12))  # deg/s per unit sway
    # translation scale per context: table and lap solved from their targets, the rest relative to the lap
    tr_scale, rt_gain, pt_gain = {}, {}, {}
    for ctx in CONTEXTS:
        if ctx in ("table", "lap"):
            gr, gp = (p["table_rel"], 0.8) if ctx == "table" else (1.0, 1.0)
            tgt = (max(2.0, p["table_rel"] * p["floor_s2s_mg"]) if ctx == "table" else p["floor_s2s_mg"]) * 1e-3
            rest = V_pt * gp ** 2 + V_fx + V_rt * s_rot ** 2 * gr ** 2 + V_noise
            tr_scale[ctx] = math.sqrt(max(tgt ** 2 - rest, 0.02 * tgt ** 2) / max(V_tr, 1e-18))
        else:
            gt, gr, gp = CONTEXT_GAIN[ctx]
            tr_scale[ctx] = None
        rt_gain[ctx], pt_gain[ctx] = gr, gp
    for ctx in CONTEXTS:
        if tr_scale[ctx] is None:
            tr_scale[ctx] = tr_scale["lap"] * CONTEXT_GAIN[ctx][0]
    ci = cv.ctx
    tr_g = np.array([tr_scale[c_] for c_ in CONTEXTS])[ci]
    rt_g = np.array([rt_gain[c_] for c_ in CONTEXTS])[ci]
    pt_g = np.array([pt_gain[c_] for c_ in CONTEXTS])[ci]
    tr_g, rt_g, pt_g = (smooth_steps(x, fs) for x in (tr_g, rt_g, pt_g))
    env = c["env"]
    cv.fine += np.cumsum(c["pt_fine_rate"] * pt_g[:, None] + c["sway_fine_rate"] * (s_rot * DEG * rt_g * env)[:, None], 0) / fs
    cv.hand += np.cumsum(c["pt_hand_rate"] * pt_g[:, None] + c["sway_hand_rate"] * (s_rot * DEG * rt_g * env)[:, None], 0) / fs
    cv.fine += c["breath_fine"]
    cv.acc_w += c["pt_acc"] * pt_g[:, None] + c["bcg"] + c["breath_acc"] + c["micro_acc"] * (tr_g * env)[:, None]
    # small postural adjustments (0.3-3 deg over 0.3-1.2 s, forearm and hand), Poisson; the hand stays there (A17)
    ta = rng.exponential(p["adjust_every_s"])
    while ta < n / fs - 2:
        dur = rng.uniform(0.3, 1.2)
        g = rt_g[min(int(ta * fs), n - 1)]
        cv.rot_step("fine", ta, dur, unit(rng) * rng.uniform(0.3, 1.0) * p["adjust_deg"] * DEG * g)
        if rng.random() < 0.5:
            cv.rot_step("hand", ta, dur, unit(rng) * rng.uniform(0.3, 1.0) * p["adjust_deg"] * DEG * g)
        ta += rng.exponential(p["adjust_every_s"])
    cv.floor_cal = dict(sway_scale_dps=s_rot, lap_trans_scale_mg=tr_scale["lap"] * 1e3,
                        ref_sensor_sigma_mg=sig_ref * 1e3)


def set_context(cv, t0, t1, ctx):
    i0, i1 = cv.idx(t0), min(cv.idx(t1), cv.n)
    cv.ctx[i0:i1] = CONTEXTS.index(ctx)
    if t1 >= (cv.n - 8) / cv.fs:
        cv.ctx[i0:] = CONTEXTS.index(ctx)


def enter(cv, t, ctx, dur=None):
    """Move to a context's pose starting at t; returns the time the pose is reached."""
    dur = dur or cv.rng.uniform(0.8, 2.0)
    pose, hand = context_pose(cv.rng, ctx)
    cv.move_pose(t, dur, pose)
    cv.rot_step("hand", t, dur, hand - cv.cur_hand)  # the context's wrist angle, relative to the last one
    cv.cur_hand = hand
    return t + dur


def start_in(cv, ctx):
    pose, hand = context_pose(cv.rng, ctx)
    cv.set_pose(0.0, pose)
    cv.hand += hand
    cv.cur_hand = hand
    return 0.0


# ----------------------------------------------------------------------------- twitches (A20-A26)
def _force(tt, t0, tc, thr):
    """Motor-unit twitch force: sin^2 rise over the contraction time, Gaussian fall (half at thr)."""
    x = tt - t0
    rise = np.sin(np.pi * np.clip(x, 0, tc) / (2 * tc)) ** 2
    fall = np.exp(-math.log(2) * (np.clip(x - tc, 0, None) / thr) ** 2)
    return np.where(x < 0, 0.0, np.where(x < tc, rise, fall))


def _measure_twitch(d, fs):
    """Contraction time (1% onset to peak), half-relaxation time (peak to 50%), end (|d| < 10% of its peak
    for good, after the last lobe), all from the displacement waveform."""
    k = int(np.argmax(d))
    pk = d[k]
    on = int(np.flatnonzero(np.abs(d) > 0.01 * pk)[0])
    after = np.flatnonzero(d[k:] < 0.5 * pk)
    half = k + int(after[0]) if len(after) else len(d) - 1
    big = np.flatnonzero(np.abs(d) > 0.1 * pk)
    end = int(big[-1])
    return on, (k - on) / fs, (half - k) / fs, (end - on) / fs


def twitch_waveform(rng, fs, shape):
    """Unit-peak acceleration of the skin under the sensor for one fasciculation. Surface displacement follows
    the motor-unit force twitch (A21); acceleration is its second derivative; tissue smooths it a little."""
    for _ in range(200):
        tc = rng.uniform(0.035, 0.100)
        thr = float(np.clip(tc * rng.uniform(0.6, 1.6), 0.025, 0.110))
        L = int((tc + 4 * thr + 0.25) * fs)
        tt = np.arange(L) / fs
        d = _force(tt, 0.02, tc, thr)
        extra = {}
        if shape == "push_recoil":  # the skin springs back past rest after the push (A22)
            beta = rng.uniform(0.3, 0.8)
            lag = tc + rng.uniform(0.3, 0.8) * thr
            tc2 = rng.uniform(0.6, 1.0) * tc
            d = d - beta * _force(tt, 0.02 + lag, tc2, rng.uniform(0.6, 1.0) * thr)
            extra = dict(recoil=round(beta, 3), recoil_lag_ms=round(lag * 1e3, 1))
        elif shape == "doublet":  # two discharges of the same unit 5-40 ms apart: summed force (A23)
            isi = rng.uniform(0.005, 0.040)
            a2 = rng.uniform(0.6, 1.4)
            d = d + a2 * _force(tt, 0.02 + isi, tc, thr)
            extra = dict(isi_ms=round(isi * 1e3, 1), second_rel=round(a2, 3))
        sig = rng.uniform(0.002, 0.005)  # tissue low-pass, s (A21)
        ker = np.exp(-0.5 * (np.arange(-int(4 * sig * fs), int(4 * sig * fs) + 1) / (sig * fs)) ** 2)
        d = np.convolve(d, ker / ker.sum(), mode="same")
        on, ct, hrt, dur = _measure_twitch(d, fs)
        limit = 0.300 if shape in ("push", "ringdown") else 0.360
        if 0.035 <= ct <= 0.100 and 0.025 <= hrt <= 0.110 and 0.100 <= dur <= limit:
            break
    # keep the quiet lead-in (no step at the start); the label's onset is the 1 % point, `on` samples in
    acc = np.gradient(np.gradient(d, 1 / fs), 1 / fs)
    meta = dict(contraction_ms=round(ct * 1e3, 1), half_relax_ms=round(hrt * 1e3, 1), duration_ms=round(dur * 1e3, 1), **extra)
    if shape == "ringdown":  # skin-and-sensor mass-spring ring-down excited by the push (A24)
        fr, tau = rng.uniform(30, 120), rng.uniform(0.008, 0.030)
        rel = rng.uniform(0.4, 1.2)
        x = np.clip(tt - on / fs, 0, None)
        ring = np.sin(2 * np.pi * fr * x) * np.exp(-x / tau) * (1 - np.exp(-x / 0.002))
        acc = acc + rel * np.abs(acc).max() * ring
        meta.update(ring_hz=round(fr, 1), ring_tau_ms=round(tau * 1e3, 1), ring_rel=round(rel, 3))
    k = np.abs(acc).max()
    meta["onset_offset_s"] = on / fs
    return acc / k, d / k, meta, dur


def add_twitch(cv, rng, t0, ctx, shape=None, amp_mg=None):
    shape = shape or str(rng.choice(TWITCH_SHAPES))
    acc, disp, meta, dur = twitch_waveform(rng, cv.fs, shape)
    amp_mg = amp_mg or math.exp(rng.uniform(math.log(2), math.log(50)))
    i0 = cv.idx(t0) - int(round(meta.pop("onset_offset_s") * cv.fs))  # the 1 % onset falls on t0
    i1 = min(i0 + len(acc), cv.n)
    m = i1 - i0
    before_a, before_g = cv.view(i0, i1)
    # local skin acceleration under the sensor, any direction (sensor axes) ...
    d = unit(rng)
    cv.acc_s[i0:i1] += np.outer(acc[:m], d) * 1e-3
    # ... and the segment under the sensor tips a little about an axis across the push (lever 3-8 cm) (A25)
    rot_frac = rng.uniform(0, 1)
    lever = rng.uniform(0.03, 0.08)
    ax_s = np.cross(d, unit(rng))
    ax_s /= np.linalg.norm(ax_s)
    trk = "hand" if cv.geom.placement == "hand" else "fine"
    # the tilt axis is given in sensor axes; express it in the track's frame through the mounting
    ax_t = cv.geom.Q0 @ ax_s
    cv.track(trk)[i0:i1] += np.outer(disp[:m] * G * 1e-3 * rot_frac / lever, ax_t)
    cv.track(trk)[i1:] += disp[m - 1] * G * 1e-3 * rot_frac / lever * ax_t
    after_a, after_g = cv.view(i0, i1)
    da = after_a - before_a
    pk = float(np.max(np.linalg.norm(da, axis=1))) * 1e3
    k = amp_mg / max(pk, 1e-9)  # scale the contribution so the sensor sees exactly amp_mg peak (A26)
    cv.acc_s[i0:i1] += np.outer(acc[:m], d) * 1e-3 * (k - 1)
    cv.track(trk)[i0:i1] += np.outer(disp[:m] * G * 1e-3 * rot_frac / lever, ax_t) * (k - 1)
    cv.track(trk)[i1:] += disp[m - 1] * G * 1e-3 * rot_frac / lever * ax_t * (k - 1)
    dg = (after_g - before_g) * k
    lab = dict(kind="fasciculation", start_s=round(t0, 4), end_s=round(t0 + dur, 4),
               amplitude=round(amp_mg, 3), amplitude_unit="mg peak at the sensor (gravity-free contribution)",
               shape=shape, direction_sensor=[round(x, 3) for x in d], rot_frac=round(rot_frac, 3),
               peak_gyro_dps=round(float(np.max(np.linalg.norm(dg, axis=1))), 3), context=ctx, **meta)
    cv.labels.append(lab)
    cv.contribs.append((lab, i0, da * k))


# ----------------------------------------------------------------------------- tremor (A40-A46)
def add_tremor(cv, rng, t0, dur, ctx):
    if ctx in ("table", "lap"):
        kind = "rest"
    else:
        kind = str(rng.choice(["postural_essential", "enhanced_physiological", "rest"], p=[0.6, 0.2, 0.2]))
    if kind == "rest":
        f0 = rng.uniform(4.0, 6.0) if rng.random() < 0.75 else rng.uniform(3.0, 8.0)
    elif kind == "postural_essential":
        f0 = rng.uniform(4.0, 12.0)
    else:
        f0 = rng.uniform(8.0, 12.0)
    small = rng.random() < 0.4
    size_dps = rng.uniform(1.0, 5.0) if small else math.exp(rng.uniform(math.log(5), math.log(150)))
    # larger tremors are slower: cap the size at 150 deg/s at 4 Hz, falling as 1/f (A46)
    size_dps = min(size_dps, 150.0 * 4.0 / f0)
    if kind == "enhanced_physiological":
        size_dps = min(size_dps, 20.0)
    i0, i1 = cv.span(t0, dur)
    n, fs = i1 - i0, cv.fs
    tt = np.arange(n) / fs
    drift = rng.uniform(0.05, 0.35)
    f = np.clip(f0 + drift * smooth_noise(rng, n, fs, 0.002, 0.1), 3.0, 12.5)
    ph = 2 * np.pi * np.cumsum(f) / fs + rng.uniform(0, 2 * np.pi)
    ramp_on, ramp_off = rng.uniform(0.5, min(3.0, dur / 4)), rng.uniform(0.5, min(3.0, dur / 4))
    env = np.clip(tt / ramp_on, 0, 1) * np.clip((dur - tt) / ramp_off, 0, 1)
    am = rng.uniform(0.0, 0.5)
    env = env * np.clip(1 + am * smooth_noise(rng, n, fs, 0.03, 0.4), 0.2, None)
    h2, phi2 = rng.uniform(0, 0.3), rng.uniform(0, 2 * np.pi)

    def wav(phase):  # unit-RMS tremor waveform with a little second harmonic
        return (np.sin(phase) + h2 * np.sin(2 * phase + phi2)) / math.sqrt((1 + h2 ** 2) / 2)

    # axes (forearm frame): x = pronation/supination, y = wrist flexion/extension, z = radial/ulnar deviation
    if kind == "rest":  # parkinsonian: pronation/supination plus wrist flexion (A41)
        fore = np.array([1.0, rng.uniform(0, 0.3), rng.uniform(0, 0.3)]) * rng.uniform(0.4, 1.0)
        hand = np.array([rng.uniform(0, 0.3), 1.0, rng.uniform(0, 0.4)]) * rng.uniform(0.3, 1.0)
    else:  # essential / physiological: mostly wrist flexion/extension (A42)
        fore = np.array([rng.uniform(0.2, 1.0), rng.uniform(0, 0.5), rng.uniform(0, 0.3)]) * rng.uniform(0.1, 0.5)
        hand = np.array([rng.uniform(0, 0.3), 1.0, rng.uniform(0, 0.5)])
    lag_h = rng.uniform(-0.5, 0.5)
    omega = size_dps * DEG * env
    wf = np.outer(omega * wav(ph), fore)
    wh = np.outer(omega * wav(ph + lag_h), hand)
    wf -= 0.1 * wh  # reaction of the forearm to the hand's oscillation (A43)
    dfine = np.cumsum(wf, 0) / fs
    dhand = np.cumsum(wh, 0) / fs
    dfine -= np.linspace(0, 1, n)[:, None] * dfine[-1]  # return to the starting angle (no drift)
    dhand -= np.linspace(0, 1, n)[:, None] * dhand[-1]
    # translational part (whole-arm motion), at the tremor frequency (A44)
    tr_dir = unit(rng)
    tr = np.outer(size_dps * rng.uniform(0.1, 1.0) * 1e-3 * np.sin(ph + rng.uniform(0, 2 * np.pi)) * math.sqrt(2) * env, tr_dir)
    ba, bg = cv.view(i0, i1)

    def apply(k):
        cv.fine[i0:i1] += dfine * k
        cv.hand[i0:i1] += dhand * k
        cv.acc_w[i0:i1] += tr * k

    apply(1.0)
    aa, ag = cv.view(i0, i1)
    c0, c1 = int(ramp_on * fs), max(int((dur - ramp_off) * fs), int(ramp_on * fs) + 1)
    da, dg = (aa - ba)[c0:c1], (ag - bg)[c0:c1]
    acc_rms, g_rms = vrms(da - da.mean(0)) * 1e3, vrms(dg)
    # at least ~2 mg and ~1 deg/s at the sensor (brief; signals.md small wrist rest tremor) (A45)
    k = max(1.0, 2.0 / max(acc_rms, 1e-9), 1.0 / max(g_rms, 1e-9))
    if k > 1.0:
        apply(k - 1.0)
        acc_rms, g_rms = acc_rms * k, g_rms * k
    cv.labels.append(dict(kind="tremor", start_s=round(t0, 4), end_s=round(t0 + dur, 4), shape=kind,
                          freq_hz=round(float(np.median(f)), 3), freq_min_hz=round(float(f.min()), 3),
                          freq_max_hz=round(float(f.max()), 3), amplitude=round(acc_rms, 3),
                          amplitude_unit="mg RMS at the sensor (core of the bout)", gyro_rms_dps=round(g_rms, 3),
                          am_depth=round(am, 3), harmonic2=round(h2, 3), drift_hz=round(drift, 3),
                          small=bool(acc_rms <= 10 and g_rms <= 5), context=ctx))


# ----------------------------------------------------------------------------- spasms (A50-A55)
def add_spasm(cv, rng, t0, kind, dur, posture_change, ctx):
    fs = cv.fs
    if kind == "tonic":  # slow sustained contraction
        rise, fall = rng.uniform(0.5, 4.0), rng.uniform(0.5, 4.0)
        ang = rng.uniform(8, 40) if posture_change else rng.uniform(0.3, 2)
        vib_mg = rng.uniform(5, 25) if posture_change else rng.uniform(10, 60)
        vib_band, vib_dps = (5.0, 40.0), rng.uniform(0.5, 4)
    elif kind == "cramp":  # cramp with trembling
        rise, fall = rng.uniform(0.3, 1.5), rng.uniform(0.8, 4.0)
        ang = rng.uniform(10, 50) if posture_change else rng.uniform(0.5, 3)
        fc, bw = rng.uniform(6, 14), rng.uniform(3, 5)
        vib_band, vib_mg, vib_dps = (max(fc - bw, 2.5), fc + bw), rng.uniform(10, 80), rng.uniform(2, 20)
    else:  # jerk: sudden strong contraction, briefly held
        rise, fall = rng.uniform(0.1, 0.3), rng.uniform(0.3, 1.0)
        ang = rng.uniform(10, 30) if posture_change else rng.uniform(3, 8)
        vib_band, vib_mg, vib_dps = (5.0, 40.0), rng.uniform(10, 40), rng.uniform(0.5, 4)
    hold = max(dur - rise - fall, 0.3 if kind == "jerk" else 1.0)
    total = rise + hold + fall
    i0, i1 = cv.span(t0, total)
    n = i1 - i0
    ba, bg = cv.view(i0, min(i1 + int(0.5 * fs), cv.n))
    # the hand flexes at the wrist (and the forearm follows a little): flexion with some deviation/rotation
    axis = np.array([rng.normal(0, 0.3), rng.choice([-1, 1]) * 1.0, rng.normal(0, 0.4)])
    axis /= np.linalg.norm(axis)
    share = rng.uniform(0.1, 0.5)
    if posture_change or kind != "jerk":
        cv.rot_step("hand", t0, rise, axis * ang * DEG, ret=(hold, fall))
        cv.rot_step("fine", t0, rise, axis * ang * share * DEG, ret=(hold, fall))
    else:  # a jolt: fast out and straight back, plus a translation of the hand
        cv.rot_step("hand", t0, rise, axis * ang * DEG, ret=(rng.uniform(0.05, 0.2), rise * 2))
        cv.rot_step("fine", t0, rise, axis * ang * share * DEG, ret=(0.1, rise * 2))
        jd = unit(rng) * rng.uniform(0.01, 0.03)
        cv.trans(t0, rise * 2, jd)
        cv.trans(t0 + rise * 2 + 0.1, rise * 3, -jd)
    # irregular, non-rhythmic vibration of the contracting muscle (MMG-like) and trembling (A52)
    tt = np.arange(n) / fs
    env = np.clip(tt / rise, 0, 1) * np.clip((total - tt) / fall, 0, 1)
    env *= np.exp(0.4 * smooth_noise(rng, n, fs, 0.05, 1.0))
    vib = np.stack([smooth_noise(rng, n, fs, *vib_band) for _ in range(3)], 1) * env[:, None]
    cv.acc_s[i0:i1] += vib * vib_mg * 1e-3 / math.sqrt(3)
    wv = np.stack([smooth_noise(rng, n, fs, *vib_band) for _ in range(3)], 1) * env[:, None] * vib_dps * DEG / math.sqrt(3)
    dth = np.cumsum(wv, 0) / fs
    dth -= np.linspace(0, 1, n)[:, None] * dth[-1]
    cv.hand[i0:i1] += dth
    cv.fine[i0:i1] += dth * share
    aa, ag = cv.view(i0, min(i1 + int(0.5 * fs), cv.n))
    da, dg = aa - ba, ag - bg
    cv.labels.append(dict(kind="spasm", start_s=round(t0, 4), end_s=round(t0 + total, 4), shape=kind,
                          posture_change=bool(posture_change), angle_deg=round(ang, 2),
                          amplitude=round(float(np.max(np.linalg.norm(da, axis=1))) * 1e3, 2),
                          amplitude_unit="mg peak at the sensor (gravity change included)",
                          rms_mg=round(vrms(da) * 1e3, 2), vib_mg=round(vib_mg, 2),
                          peak_gyro_dps=round(float(np.max(np.linalg.norm(dg, axis=1))), 2), context=ctx))
    return total


# ----------------------------------------------------------------------------- everyday activities (A60-A73)
CONTEXT_OF = {"mouse": "table", "touchpad": "table", "phone_scroll": "phone", "phone_typing": "phone",
              "keyboard": "table", "reading": "book", "eating": "table", "drinking": "table", "scratching": "lap",
              "fidgeting": "lap", "phone_call": "ear", "writing": "table", "walking": "hang", "rest": "lap"}


def act_events(cv, rng, name, t0, t1):
    """Adds one everyday activity between t0 and t1 (the context's pose already entered)."""
    t = t0
    D = lambda a, b: float(rng.uniform(a, b))
    att = 1.0 if cv.geom.placement == "hand" else cv.person["transient_wrist_att"]
    tap = lambda t_, a, f, dec: cv.transient(t_, a * att, f, dec)
    if name == "mouse":
        while t < t1 - 1:
            if rng.random() < 0.15:
                t += D(2, 15)
                continue
            dist = D(0.005, 0.08)
            dur = 0.25 + 4 * dist * D(0.8, 1.2)  # longer moves take longer (Fitts-like) (A61)
            cv.trans(t, dur, np.array([D(-1, 1), D(-1, 1), 0]) / math.sqrt(2) * dist)
            cv.rot_step("fine", t, dur, np.array([0, 0, D(-8, 8) * DEG]), ret=(D(0.2, 2), D(0.2, 0.6)))
            cv.rot_bump("hand", t, dur, unit(rng) * D(0.5, 3) * DEG)
            t += dur + D(0.05, 0.5)
            if rng.random() < 0.5:
                for _ in range(1 if rng.random() < 0.8 else 2):
                    tap(t, D(0.004, 0.04), D(20, 80), D(0.005, 0.02))
                    t += D(0.08, 0.25)
            t += D(0.2, 3)
    elif name == "touchpad":
        while t < t1 - 1:
            if rng.random() < 0.2:
                t += D(2, 15)
                continue
            dur = D(0.2, 0.8)
            cv.trans(t, dur, np.array([D(-1, 1), D(-1, 1), 0]) * D(0.001, 0.01))
            cv.rot_bump("hand", t, dur, unit(rng) * D(0.2, 1.5) * DEG)
            t += dur
            if rng.random() < 0.4:
                tap(t, D(0.003, 0.02), D(15, 60), D(0.005, 0.02))
            t += D(0.2, 2.5)
    elif name == "phone_scroll":
        while t < t1 - 1:
            if rng.random() < 0.05:
                cv.rot_step("fine", t, D(0.5, 1.2), unit(rng) * D(3, 12) * DEG, ret=(D(1, 10), D(0.5, 1.2)))
                t += 1.5
            dur = D(0.2, 0.5)
            cv.rot_bump("hand", t, dur, unit(rng) * D(0.2, 1.5) * DEG)
            cv.trans_bump(t, dur, unit(rng) * D(0.0005, 0.004))
            if rng.random() < 0.5:
                tap(t, D(0.003, 0.02), D(15, 60), D(0.005, 0.02))
            t += dur + D(0.5, 5)
    elif name in ("phone_typing", "keyboard"):
        rate = (2, 5) if name == "phone_typing" else (3, 8)
        amp = (0.004, 0.03) if name == "phone_typing" else (0.005, 0.06)
        while t < t1 - 1:
            ntap, r = int(D(3, 30)), D(*rate)
            for _ in range(ntap):
                tap(t, D(*amp), D(15, 70), D(0.006, 0.025))
                cv.rot_bump("hand", t, D(0.1, 0.25), unit(rng) * D(0.05, 0.5) * DEG)
                if name == "keyboard" and rng.random() < 0.2:  # the hand shifts along the keys
                    cv.trans(t, D(0.25, 0.6), np.array([D(-1, 1), D(-1, 1), 0]) / math.sqrt(2) * D(0.005, 0.03))
                t += rng.exponential(1 / r) + 0.05
                if t > t1 - 1:
                    break
            t += D(0.3, 4)
            if name == "keyboard" and rng.random() < 0.05 and t < t1 - 12:  # reach for the mouse and back
                dx = np.array([D(0.1, 0.25), D(-0.05, 0.05), 0])
                cv.trans(t, D(0.6, 1.0), dx)
                cv.trans(t + D(2, 8), D(0.6, 1.0), -dx)
                t += 9
    elif name == "reading":
        while t < t1 - 4:
            t += D(15, 90)
            if t > t1 - 4:
                break
            dur = D(1.0, 2.0)  # page turn / swipe with the hand
            cv.rot_step("hand", t, dur / 2, unit(rng) * D(10, 30) * DEG, ret=(D(0.1, 0.4), dur / 2))
            cv.rot_step("fine", t, dur / 2, unit(rng) * D(5, 20) * DEG, ret=(D(0.1, 0.4), dur / 2))
            cv.trans_bump(t, dur, unit(rng) * D(0.03, 0.1))
            if rng.random() < 0.5:
                cv.rot_step("fine", t + dur + D(1, 3), D(0.4, 1.0), unit(rng) * D(1, 6) * DEG)
    elif name == "eating":
        base = cv.cur_pose.copy()
        while t < t1 - 6:
            if rng.random() < 0.3:  # cutting: sawing 1.5-2.5 Hz for 2-6 s
                f, dd = D(1.5, 2.5), D(2, 6)
                i0, i1 = cv.span(t, dd)
                tt = cv.tvec(i0, i1)
                env = np.minimum(1, np.minimum(tt, dd - tt) / 0.3)
                A = D(0.01, 0.03)
                cv.acc_w[i0:i1, 0] += -A * (2 * np.pi * f) ** 2 * np.sin(2 * np.pi * f * tt) * env / G
                cv.fine[i0:i1, 2] += D(1, 4) * DEG * np.sin(2 * np.pi * f * tt) * env
                t += dd + D(0.5, 2)
            # hand to mouth: forearm up 60-100 deg with supination, hold, back
            up = D(1.0, 1.8)
            yaw, el, ro = Rotation.from_rotvec(base).as_euler("ZYX")
            tgt = rotvec_pose(yaw / DEG + D(-10, 10), D(55, 90), ro / DEG + D(30, 80))
            end = cv.move_pose(t, up, tgt, hold=D(0.4, 2), back=D(1.0, 1.8))
            cv.trans_bump(t, end - t, np.array([D(-0.05, 0.05), D(0.05, 0.15), D(0.1, 0.25)]))
            t = end + D(6, 25)
    elif name == "drinking":
        base = cv.cur_pose.copy()
        while t < t1 - 12:
            t += D(10, 80)
            if t > t1 - 12:
                break
            reach = np.array([D(0.15, 0.3), D(-0.1, 0.1), 0])
            T = D(0.8, 1.2)
            cv.trans(t, T, reach)
            t += T + 0.2
            yaw, el, ro = Rotation.from_rotvec(base).as_euler("ZYX")
            tgt = rotvec_pose(yaw / DEG + D(-10, 10), D(50, 80), ro / DEG + D(60, 90))
            end = cv.move_pose(t, D(1.2, 2.0), tgt, hold=D(1, 5), back=D(1.2, 2.0))
            cv.trans_bump(t, end - t, np.array([D(-0.1, 0.0), 0, D(0.2, 0.35)]))
            t = end + 0.5
            T = D(0.8, 1.2)
            cv.trans(t, T, -reach)
            t += T + 0.2
    elif name == "scratching":
        while t < t1 - 10:
            t += D(5, 60)
            if t > t1 - 10:
                break
            reach = unit(rng) * D(10, 40) * DEG
            cv.rot_step("fine", t, D(0.5, 1.0), reach)
            t += 1.0
            f, dd = D(2.5, 6.0), D(1, 8)
            i0, i1 = cv.span(t, dd)
            ph = 2 * np.pi * np.cumsum(f * (1 + 0.1 * smooth_noise(rng, i1 - i0, cv.fs, 0.1, 2))) / cv.fs
            env = np.minimum(1, np.minimum(cv.tvec(i0, i1), dd - cv.tvec(i0, i1)) / 0.2)
            A = D(0.003, 0.012) * 3.0 / f  # faster scratching, shorter strokes (A68)
            cv.acc_w[i0:i1] += np.outer(-A * (2 * np.pi * f) ** 2 * np.sin(ph) * env / G, unit(rng))
            cv.hand[i0:i1] += np.outer(D(2, 8) * 3.0 / f * DEG * np.sin(ph + D(0, 3)) * env, unit(rng))
            t += dd
            cv.rot_step("fine", t, D(0.5, 1.0), -reach)
            t += 1.0
    elif name == "fidgeting":
        while t < t1 - 4:
            mode = rng.choice(["tap", "twiddle", "knee", "shift"], p=[0.35, 0.3, 0.2, 0.15])
            dd = D(2, 10) if mode != "knee" else D(3, 30)
            dd = min(dd, t1 - t - 1)
            if mode == "tap":  # drumming fingers
                r, tk = D(2, 8), t
                while tk < t + dd:
                    tap(tk, D(0.005, 0.04), D(15, 60), D(0.006, 0.02))
                    tk += 1 / r * rng.normal(1, 0.1)
            elif mode == "twiddle":  # turning a pen / ring: irregular hand rotation 0.3-2 Hz
                i0, i1 = cv.span(t, dd)
                cv.hand[i0:i1] += np.outer(smooth_noise(rng, i1 - i0, cv.fs, 0.3, 2.0), unit(rng)) * D(3, 15) * DEG \
                    * np.sin(np.pi * cv.tvec(i0, i1) / dd)[:, None]
            elif mode == "knee":  # leg bouncing transmitted to a hand resting on the thigh (A70)
                f = D(3.0, 6.0)
                i0, i1 = cv.span(t, dd)
                ph = 2 * np.pi * np.cumsum(f * (1 + 0.06 * smooth_noise(rng, i1 - i0, cv.fs, 0.05, 1))) / cv.fs
                env = np.minimum(1, np.minimum(cv.tvec(i0, i1), dd - cv.tvec(i0, i1)) / 0.5)
                cv.acc_w[i0:i1, 2] += D(0.02, 0.1) * np.sin(ph) * env
                cv.fine[i0:i1] += np.outer(D(0.05, 0.3) * DEG * np.sin(ph + 1) * env, unit(rng))
            else:  # shifting the hand on the lap
                cv.rot_step("fine", t, D(0.5, 1.5), unit(rng) * D(5, 15) * DEG)
                cv.trans(t, D(0.5, 1.5), unit(rng) * D(0.02, 0.1))
            t += dd + D(1, 20)
    elif name == "phone_call":
        while t < t1 - 3:
            t += D(3, 20)
            if t > t1 - 3:
                break
            cv.rot_step("fine", t, D(0.5, 1.2), unit(rng) * D(1, 6) * DEG, ret=(D(1, 10), D(0.5, 1.2)))
            if rng.random() < 0.3:
                cv.trans_bump(t, D(0.8, 1.5), unit(rng) * D(0.01, 0.04))
    elif name == "writing":
        while t < t1 - 4:
            wd = D(0.5, 2.5)  # a word
            f = D(3.0, 7.0)  # stroke frequency (A69)
            i0, i1 = cv.span(t, wd)
            nn = i1 - i0
            ph = 2 * np.pi * np.cumsum(f * (1 + 0.25 * smooth_noise(rng, nn, cv.fs, 0.5, 5))) / cv.fs
            amp = np.exp(0.4 * smooth_noise(rng, nn, cv.fs, 0.5, 4))
            A = D(0.0003, 0.0012) * 4.0 / f  # the pen tip moves more; the hand carries a fraction (A69)
            cv.acc_w[i0:i1, 0] += -A * (2 * np.pi * f) ** 2 * np.sin(ph) * amp / G
            cv.acc_w[i0:i1, 1] += -A * 0.7 * (2 * np.pi * f) ** 2 * np.sin(1.3 * ph + 1) * amp / G
            cv.hand[i0:i1] += np.outer(D(0.2, 1.5) * 4.0 / f * DEG * np.sin(ph + 0.5) * amp, unit(rng))
            cv.trans(t, wd, np.array([D(0.01, 0.03), 0, 0]))
            t += wd + D(0.15, 1.0)
            if rng.random() < 0.12:  # new line
                cv.trans(t, D(0.5, 0.9), np.array([-D(0.08, 0.15), D(0.005, 0.01), 0]))
                t += D(0.8, 3)
    elif name == "walking":
        while t < t1 - 12:
            wd = min(D(20, 180), t1 - t - 4)
            fstep = D(1.6, 2.1)  # steps per second (A72)
            i0, i1 = cv.span(t, wd)
            tt = cv.tvec(i0, i1)
            env = np.minimum(1, np.minimum(tt, wd - tt) / 1.5)
            ph = 2 * np.pi * np.cumsum(fstep * (1 + 0.03 * smooth_noise(rng, i1 - i0, cv.fs, 0.02, 0.5))) / cv.fs
            ang = D(10, 30) * DEG * np.sin(ph / 2) * env  # arm swing at the stride frequency
            Rb = Rotation.from_rotvec(cv.cur_pose).as_matrix()
            yaw = Rotation.from_rotvec(cv.cur_pose).as_euler("ZYX")[0]
            lateral_w = np.array([-math.sin(yaw), math.cos(yaw), 0.0])
            fwd_w = np.array([math.cos(yaw), math.sin(yaw), 0.0])
            cv.fine[i0:i1] += np.outer(ang, Rb.T @ lateral_w)
            L_upper = D(0.28, 0.34)  # the swing is about the shoulder: the elbow moves on an arc (A72)
            alpha = np.gradient(np.gradient(ang, 1 / cv.fs), 1 / cv.fs)
            cv.acc_w[i0:i1] += np.outer(L_upper * alpha / G, fwd_w)
            cv.acc_w[i0:i1, 2] += (D(0.1, 0.25) * np.sin(ph) + 0.05 * np.sin(2 * ph + 1)) * env
            steps = t + np.flatnonzero(np.diff(np.floor(ph / (2 * np.pi))) > 0) / cv.fs
            for ts in steps:
                cv.transient(ts, D(0.05, 0.25), D(12, 30), D(0.01, 0.03), direction=unit(rng) * 0.3 + np.array([0, 0, 0.9]))
            t += wd + D(2, 20)


# ----------------------------------------------------------------------------- recordings
def plan_activity(rng, main, dur):
    """Alternate the main activity (1-4 min) with idle rest (20 s - 2 min)."""
    t, blocks, first = 0.0, [], True
    while t < dur - 5:
        if main != "rest" and (first or blocks[-1][0] == "rest"):
            a, L = main, rng.uniform(60, 240)
        else:
            a, L = "rest", rng.uniform(20, 120)
        first = False
        L = min(L, dur - t)
        ctx = CONTEXT_OF[a] if a != "rest" else str(rng.choice(["lap", "table"]))
        blocks.append((a, t, t + L, ctx))
        t += L
    return blocks


def plan_events(rng, dur):
    """Blocks of rest / posture with Poisson twitches, tremor bouts and spasms kept apart (A80)."""
    blocks, t = [], 0.0
    while t < dur - 20:
        kind = str(rng.choice(["twitch", "tremor", "spasm"], p=[0.5, 0.25, 0.25]))
        ctx = str(rng.choice(["table", "lap", "posture"], p=[0.35, 0.35, 0.3]))
        if kind == "twitch":
            L, ev = min(rng.uniform(30, 90), max(dur - t, 25)), None
        elif kind == "tremor":
            bout = math.exp(rng.uniform(math.log(5), math.log(300)))
            pre, post = rng.uniform(5, 15), rng.uniform(5, 15)
            L, ev = pre + bout + post, (pre, bout)
        else:
            sk = str(rng.choice(["tonic", "cramp", "jerk"]))
            d = {"tonic": math.exp(rng.uniform(math.log(3), math.log(300))),
                 "cramp": math.exp(rng.uniform(math.log(5), math.log(180))), "jerk": rng.uniform(1.0, 5.0)}[sk]
            pre, post = rng.uniform(5, 15), rng.uniform(6, 15)
            L, ev = pre + d + post, (pre, d, sk, bool(rng.random() < 0.6))
        blocks.append((kind, t, t + L, ctx, ev))
        t += L
    return blocks, t


def build_activity(rng, cv, blocks, main):
    for a, b0, b1, ctx in blocks:
        set_context(cv, b0, b1, ctx)
    add_floor(cv, rng)
    for a, b0, b1, ctx in blocks:
        t = enter(cv, b0, ctx) if b0 > 0 else start_in(cv, ctx)
        if a != "rest":
            act_events(cv, rng, a, t + 0.5, b1)
        cv.segment(a, b0, b1, ctx)


def build_events(rng, cv, blocks, twitch_rate_per_min):
    for kind, b0, b1, ctx, ev in blocks:
        set_context(cv, b0, b1, ctx)
    add_floor(cv, rng)
    prev_ctx = None
    for kind, b0, b1, ctx, ev in blocks:
        ready = b0
        if ctx != prev_ctx:
            ready = enter(cv, b0, ctx) if b0 > 0 else start_in(cv, ctx)
        prev_ctx = ctx
        busy = []
        if kind == "tremor":
            add_tremor(cv, rng, b0 + ev[0], ev[1], ctx)
            busy.append((b0 + ev[0], b0 + ev[0] + ev[1]))
        elif kind == "spasm":
            tot = add_spasm(cv, rng, b0 + ev[0], ev[2], ev[1], ev[3], ctx)
            busy.append((b0 + ev[0], b0 + ev[0] + tot))
        # Poisson twitches in the free time, >= 2 s from transitions and >= 2.5-3 s from events, >= 0.5 s apart
        tt = ready + 2.0
        while True:
            tt += rng.exponential(60.0 / twitch_rate_per_min)
            if tt > b1 - 2.0:
                break
            if any(a - 2.5 < tt < b + 3.0 for a, b in busy):
                continue
            last = [lab for lab in cv.labels if lab["kind"] == "fasciculation"]
            if last and tt - last[-1]["end_s"] < 0.5:
                continue
            add_twitch(cv, rng, tt, ctx)
        cv.segment("rest" if ctx != "posture" else "posture", b0, b1, ctx)


def sample_sensor(cv, rng):
    """Sensor chain (A30-A38): causal anti-alias, true-rate sampling, noise, drift, errors, LSB, range,
    device time stamps, lost frames. Returns recorded times, accel (g), gyro (dps), true times, gaps."""
    s = cv.sensor
    acc, gyr = cv.view(0, cv.n)
    sos = butter(s["aa_order"], s["aa_fc"], fs=cv.fs, output="sos")
    zi = sosfilt_zi(sos)
    acc = np.stack([sosfilt(sos, acc[:, k], zi=zi * acc[0, k])[0] for k in range(3)], 1)
    gyr = np.stack([sosfilt(sos, gyr[:, k], zi=zi * gyr[0, k])[0] for k in range(3)], 1)
    cv.aa_sos = sos
    dur = (cv.n - 9) / cv.fs
    t_true = rng.uniform(0, 1 / s["fs_true"]) + np.arange(int(dur * s["fs_true"])) / s["fs_true"]
    t_true = t_true[t_true < dur]
    m = len(t_true)
    tg = np.arange(cv.n) / cv.fs
    A = np.stack([np.interp(t_true, tg, acc[:, k]) for k in range(3)], 1)
    W = np.stack([np.interp(t_true, tg, gyr[:, k]) for k in range(3)], 1)
    sa, sg = noise_sigma(s)
    drift = lambda amp: np.stack([smooth_noise(rng, m, s["fs"], 0.0005, 0.02) for _ in range(3)], 1) * amp
    A = A @ (np.diag(s["acc_gain"]) + s["acc_cross"] - np.diag(np.diag(s["acc_cross"]))).T
    A = A + s["acc_bias"] + drift(s["acc_drift_g"]) + rng.normal(0, sa, A.shape)
    W = W + s["gyro_bias"] + drift(s["gyro_drift_dps"]) + rng.normal(0, sg, W.shape)
    qa, qg = s["acc_lsb"], s["gyro_lsb"]
    A = np.clip(np.round(A / qa), -32768, 32767) * qa
    A = np.clip(A, -s["acc_range"], s["acc_range"])
    W = np.clip(np.round(W / qg), -32768, 32767) * qg
    # time stamps as the device gives them
    if s["stamp"] == "frames":  # Polar: frame stamped at its last sample, spread back at the nominal rate
        F = s["frame_len"]
        last = np.minimum(np.arange(m) // F * F + F - 1, m - 1)
        stamp = t_true[last] + rng.normal(0, 50e-6, m // F + 1)[np.arange(m) // F]
        t_rec = stamp - (last - np.arange(m)) / s["fs"]
    elif s["stamp"] == "jitter":
        t_rec = t_true + rng.normal(0, s["jitter"] / s["fs"], m)
    else:  # FIFO read out, stamped by an accurate host clock
        t_rec = t_true + rng.normal(0, s["jitter"] / s["fs"], m)
    # lost frames / batches (A37)
    keep = np.ones(m, bool)
    gaps = []
    ngap = rng.poisson(s["gaps_per_h"] * dur / 3600)
    for _ in range(ngap):
        g0 = rng.uniform(5, max(dur - 5, 6))
        glen = s["frame_len"] / s["fs"] * int(rng.integers(1, 4)) if s["stamp"] == "frames" else rng.uniform(0.1, 1.0)
        sel = (t_true >= g0) & (t_true < g0 + glen)
        keep &= ~sel
        gaps.append((round(g0, 4), round(g0 + glen, 4)))
    t_rec, A, W, t_true = t_rec[keep], A[keep], W[keep], t_true[keep]
    # strictly increasing after the CSV's 6 decimals
    ok = np.concatenate([[True], np.diff(np.round(t_rec, 6)) > 0])
    while not ok.all():
        t_rec, A, W, t_true = t_rec[ok], A[ok], W[ok], t_true[ok]
        ok = np.concatenate([[True], np.diff(np.round(t_rec, 6)) > 0])
    return t_rec, A, W, t_true, gaps


def write_csv(path, t, A, W, has_gyro, t_offset):
    if has_gyro:
        data = np.column_stack([t + t_offset, A, W])
        fmt, header = "%.6f,%.6f,%.6f,%.6f,%.4f,%.4f,%.4f", "t,ax,ay,az,gx,gy,gz"
    else:
        data = np.column_stack([t + t_offset, A])
        fmt, header = "%.6f,%.6f,%.6f,%.6f", "t,ax,ay,az"
    np.savetxt(path, data, fmt=fmt, header=header, comments="")


def floor_report(cv, t_true, A, W, s):
    """What this file's own sensor shows in its idle rest segments (no events, no activity)."""
    out = []
    ev = [(lab["start_s"] - 3, lab["end_s"] + 3) for lab in cv.labels]
    for sg in cv.segments:
        if sg["activity"] not in ("rest",) or sg["context"] not in ("lap", "table"):
            continue
        sel = (t_true >= sg["start_s"] + 3) & (t_true < sg["end_s"] - 1)
        for a, b in ev:
            sel &= ~((t_true >= a) & (t_true < b))
        if sel.sum() < 5 * s["fs"]:
            continue
        idx = np.flatnonzero(sel)
        runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
        d = np.concatenate([np.diff(A[r], axis=0) for r in runs if len(r) > 2])
        out.append(dict(context=sg["context"], s2s_mg=float(np.sqrt(np.mean(d ** 2))) * 1e3,
                        gyro_rms_dps=vrms(W[idx] - W[idx].mean(0))))
    return out


def twitch_size_vs_floor(cv, t_true, A, s, gaps):
    """Per twitch: the noise-free contribution as this sensor samples it, and the local floor in the twitch
    band (3-30 Hz, vector RMS) over the 2.5 s before it, other twitches excluded."""
    fs = s["fs"]
    hi = min(30.0, 0.45 * fs)
    sos = butter(2, [3.0, hi], btype="band", fs=fs, output="sos")
    bp = sosfiltfilt(sos, A - A.mean(0), axis=0)
    tw = [lab for lab in cv.labels if lab["kind"] == "fasciculation"]
    starts = np.array([lab["start_s"] for lab in tw]) if tw else np.zeros(0)
    for lab, i0, da in cv.contribs:
        # sampled, noise-free contribution through the anti-alias filter
        ext = np.vstack([da, np.zeros((int(0.1 * cv.fs), 3))])
        ext = sosfilt(cv.aa_sos, ext, axis=0)
        tl = (i0 + np.arange(len(ext))) / cv.fs
        sel = (t_true >= tl[0]) & (t_true <= tl[-1])
        if sel.any():
            v = np.stack([np.interp(t_true[sel], tl, ext[:, k]) for k in range(3)], 1)
            lab["amplitude_sampled"] = round(float(np.max(np.linalg.norm(v, axis=1))) * 1e3, 3)
        else:
            lab["amplitude_sampled"] = 0.0
        t0 = lab["start_s"]
        w = (t_true >= t0 - 2.5) & (t_true < t0 - 0.2)
        for u in starts:
            if u != t0:
                w &= ~((t_true >= u - 0.2) & (t_true < u + 0.5))
        fl = vrms(bp[w]) * 1e3 if w.sum() > 0.5 * fs else float("nan")
        lab["floor_band_mg"] = round(fl, 3)
        lab["size_rel_floor"] = round(lab["amplitude"] / fl, 3) if fl == fl and fl > 0 else None
        lab["in_gap"] = any(a - 0.05 < t0 < b + 0.05 for a, b in gaps)


def make_recording(rng, out, name, kind, dur, main=None, sensor_kw=None, twitch_rate=None):
    sensor = pick_sensor(rng, **(sensor_kw or {}))
    person = make_person(rng)
    if kind == "activity":
        blocks = plan_activity(rng, main, dur)
        total = dur
    else:
        blocks, total = plan_events(rng, dur)
    cv = Canvas(rng, total + 1.0, sensor, person)
    if kind == "activity":
        build_activity(rng, cv, blocks, main)
    else:
        build_events(rng, cv, blocks, twitch_rate or rng.uniform(2, 12))
    t_rec, A, W, t_true, gaps = sample_sensor(cv, rng)
    twitch_size_vs_floor(cv, t_true, A, sensor, gaps)
    floors = floor_report(cv, t_true, A, W, sensor)
    t_off = float(rng.choice([0.0, rng.uniform(0, 5e4)]))
    write_csv(os.path.join(out, name + ".csv"), t_rec, A, W, sensor["has_gyro"], t_off)
    # labels are on the true time axis; the recorded axis differs by < 1 sample period (A36)
    for lab in cv.labels:
        lab["start_s"] = round(lab["start_s"] + t_off, 4)
        lab["end_s"] = round(lab["end_s"] + t_off, 4)
    for sg in cv.segments:
        sg["start_s"] = round(sg["start_s"] + t_off, 4)
        sg["end_s"] = round(min(sg["end_s"], total) + t_off, 4)
    sa, sg_ = noise_sigma(sensor)
    meta = dict(file=name + ".csv", kind=kind, main_activity=main, duration_s=round(float(t_rec[-1] - t_rec[0]), 3),
                t_offset=t_off, t_first=round(float(t_rec[0] + t_off), 6), t_last=round(float(t_rec[-1] + t_off), 6),
                sensor={k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in sensor.items()},
                sensor_noise_mg_per_axis=round(sa * 1e3, 3), sensor_noise_dps_per_axis=round(sg_, 4),
                geometry=dict(forearm_m=round(cv.geom.L_f, 3), sensor_pos_m=[round(x, 4) for x in cv.geom.r]),
                person={k: round(float(v), 4) for k, v in person.items()}, floor_calibration=cv.floor_cal,
                rest_floor_measured=floors, gaps=[[a + t_off, b + t_off] for a, b in gaps],
                events=cv.labels, segments=cv.segments)
    with open(os.path.join(out, name + ".labels.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return meta


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--hours", type=float, default=10.5, help="simulated hours of everyday activity + rest (no events)")
    ap.add_argument("--event-files", type=int, default=40, help="recordings with twitches, tremor and spasms")
    ap.add_argument("--event-minutes", type=float, default=6.0, help="mean length of an event recording")
    ap.add_argument("--activity-minutes", type=float, default=12.0, help="mean length of an activity recording")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    manifest = []
    # event recordings: rotate sensors so every model / rate / placement / gyro option gets events
    combos = [("verity", r, "hand") for r in (52, 104, 208, 416)] + [("verity", r, "wrist") for r in (52, 208)] + \
             [("watch", r, "wrist") for r in (50, 104)] + [("hand16", r, "hand") for r in SENSORS["hand16"]["rates"]] + \
             [("hand16", 400, "wrist")]
    for i in range(args.event_files):
        model, rate, place = combos[i % len(combos)]
        rng = np.random.default_rng([args.seed, 1, i])
        dur = args.event_minutes * 60 * rng.uniform(0.7, 1.3)
        if rate >= 800:
            dur *= 0.6
        m = make_recording(rng, args.out, f"ev{i:03d}", "events", dur,
                           sensor_kw=dict(name=model, rate=rate, placement=place, has_gyro=(i % 4 != 3)))
        manifest.append(m["file"])
        print(f"{m['file']}: {m['sensor']['model']} {m['sensor']['fs']:.0f} Hz {m['sensor']['placement']} "
              f"gyro={m['sensor']['has_gyro']} {len(m['events'])} events {m['duration_s']:.0f} s", file=sys.stderr)
    # activity recordings: every activity + idle rest, about equal time each
    names = ACTIVITIES + ["rest"]
    per = args.hours * 3600 / len(names)
    j = 0
    for a in names:
        left = per
        while left > 30:
            srng = np.random.default_rng([args.seed, 2, j])
            dur = min(left, args.activity_minutes * 60 * srng.uniform(0.65, 1.25))
            left -= dur
            kw = dict(name=str(srng.choice(["verity", "watch", "hand16"], p=[0.35, 0.45, 0.2])))
            if kw["name"] == "hand16":
                kw["rate"] = float(srng.choice([200, 250, 400, 500, 1000], p=[0.25, 0.2, 0.25, 0.15, 0.15]))
            m = make_recording(srng, args.out, f"act{j:03d}_{a}", "activity", dur, main=a, sensor_kw=kw)
            manifest.append(m["file"])
            print(f"{m['file']}: {m['sensor']['model']} {m['sensor']['fs']:.0f} Hz {m['sensor']['placement']} "
                  f"{m['duration_s']:.0f} s", file=sys.stderr)
            j += 1
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(dict(seed=args.seed, hours=args.hours, event_files=args.event_files, files=manifest), f, indent=1)


if __name__ == "__main__":
    main()
