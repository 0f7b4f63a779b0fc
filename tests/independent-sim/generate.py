#!/usr/bin/env python3
"""Independent motion-recording generator for TwitchWatch (second-opinion test data).

Written from ../shared/notes/signals.md, issue 13 and published physiology / sensor data sheets only;
the project's classifier, simulator and evaluation code were never read. Every assumption is listed,
with its source, in ASSUMPTIONS.md beside this file.

Physics in one paragraph: the hand (or wrist) is a rigid body. Its orientation is a rotation vector
theta(t) (world frame) applied to a fixed mounting orientation Q0; the sensor sits at a lever r_body from
the rotation centre (wrist joint / forearm axis). The accelerometer reads specific force in g,
R^T (a_world + e_z), where a_world = direct translational acceleration + d^2(R r_body)/dt^2, so rotation
and translation are coupled by real kinematics; the gyroscope reads the body angular rate obtained from
consecutive orientations. Everything is simulated at an internal rate >= 1 kHz, low-passed (anti-alias),
sampled at jittered times, then sensor noise, bias, gain error, range clipping and quantisation are applied.

Usage: python generate.py --seed 1 --out /tmp/indep-data [--hours 10.5] [--event-files 40]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

import numpy as np

G = 9.80665
DEG = math.pi / 180.0

ACTIVITIES = ["mouse", "touchpad", "phone_scroll", "phone_typing", "keyboard", "reading", "eating",
              "drinking", "scratching", "fidgeting", "phone_call", "writing", "walking"]

# ----------------------------------------------------------------------------- sensor models
SENSORS = {
    # Polar Verity Sense-like: ODR 52/104/208/416 Hz, +-8 g, 16 bit (0.244 mg/LSB); LSM6DS-class noise.
    "verity": dict(rates=[52, 104, 208, 416], acc_range=8.0, gyro_range=2000.0, bits=16,
                   acc_nd_ug=(80, 150), gyro_nd=(0.004, 0.010), jitter=(0.002, 0.01), aa_frac=(0.25, 0.45)),
    # Smartwatch IMU: ~50-104 Hz, 0.24 mg steps (+-8 g 16 bit), OS timestamps jitter more.
    "watch": dict(rates=[50, 52, 100, 104], acc_range=8.0, gyro_range=2000.0, bits=16,
                  acc_nd_ug=(90, 180), gyro_nd=(0.005, 0.012), jitter=(0.01, 0.04), aa_frac=(0.2, 0.45)),
    # 16-bit hand sensor (LSM6DSO/BMI270/ICM-4x class) at 200-1000 Hz, +-4 or +-8 g.
    "hand16": dict(rates=[200, 250, 400, 500, 800, 1000], acc_range=None, gyro_range=500.0, bits=16,
                   acc_nd_ug=(60, 160), gyro_nd=(0.003, 0.008), jitter=(0.001, 0.006), aa_frac=(0.3, 0.45)),
}


def pick_sensor(rng, name=None, rate=None, placement=None):
    name = name or rng.choice(["verity", "watch", "hand16"], p=[0.35, 0.35, 0.30])
    s = SENSORS[name]
    fs = float(rate or rng.choice(s["rates"]))
    if name == "watch":
        fs *= rng.uniform(0.995, 1.005)  # nominal rates are not exact on phones/watches
    acc_range = s["acc_range"] or float(rng.choice([4.0, 8.0]))
    if placement is None:
        placement = "wrist" if name == "watch" else ("hand" if name == "hand16" or rng.random() < 0.6 else "wrist")
    return dict(model=name, fs=fs, acc_range=acc_range, gyro_range=s["gyro_range"],
                acc_lsb=2 * acc_range / 2 ** s["bits"], gyro_lsb=2 * s["gyro_range"] / 2 ** s["bits"],
                acc_nd=rng.uniform(*s["acc_nd_ug"]) * 1e-6, gyro_nd=rng.uniform(*s["gyro_nd"]),
                jitter=rng.uniform(*s["jitter"]), aa_fc=fs * rng.uniform(*s["aa_frac"]),
                aa_order=int(rng.choice([2, 3, 4])), placement=placement,
                has_gyro=bool(rng.random() < 0.85),
                acc_bias=rng.normal(0, 0.015, 3), acc_gain=1 + rng.normal(0, 0.01, 3),
                gyro_bias=rng.normal(0, 0.4, 3))


# ----------------------------------------------------------------------------- small signal helpers
def smooth_noise(rng, n, fs, f_lo, f_hi, slope=0.0):
    """Unit-RMS Gaussian noise band-limited to [f_lo, f_hi] (FFT shaping), spectrum ~ f^-slope."""
    if n < 4:
        return np.zeros(n)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / fs)
    w = ((f >= f_lo) & (f <= f_hi)).astype(float)
    if slope:
        w[1:] *= (f[1:] / max(f_lo, 1e-3)) ** (-slope / 2)
    x = np.fft.irfft(spec * w, n)
    s = x.std()
    return x / s if s > 0 else x


def lowpass_fft(x, fs, fc, order):
    """Zero-phase Butterworth-magnitude low-pass along axis 0."""
    n = x.shape[0]
    f = np.fft.rfftfreq(n, 1 / fs)
    h = 1.0 / np.sqrt(1 + (f / fc) ** (2 * order))
    return np.fft.irfft(np.fft.rfft(x, axis=0) * h[:, None], n, axis=0)


def minjerk(tau):
    tau = np.clip(tau, 0, 1)
    return 10 * tau ** 3 - 15 * tau ** 4 + 6 * tau ** 5


def minjerk_acc(tau):
    tau = np.clip(tau, 0, 1)
    return 60 * tau - 180 * tau ** 2 + 120 * tau ** 3


def unit(rng, k=3):
    v = rng.standard_normal(k)
    return v / np.linalg.norm(v)


def rodrigues(th):
    """Rotation matrices (N,3,3) from rotation vectors (N,3)."""
    ang = np.linalg.norm(th, axis=1)
    k = th / np.maximum(ang, 1e-12)[:, None]
    K = np.zeros((th.shape[0], 3, 3))
    K[:, 0, 1], K[:, 0, 2] = -k[:, 2], k[:, 1]
    K[:, 1, 0], K[:, 1, 2] = k[:, 2], -k[:, 0]
    K[:, 2, 0], K[:, 2, 1] = -k[:, 1], k[:, 0]
    s, c = np.sin(ang)[:, None, None], np.cos(ang)[:, None, None]
    return np.eye(3)[None] + s * K + (1 - c) * (K @ K)


def rotmat(v):
    return rodrigues(np.asarray(v, float)[None])[0]


def kinematics(theta, adir, Q0, r_body, fs):
    """Sensor-frame accelerometer (g, gravity included) and gyro (deg/s) from world-frame motion."""
    n = theta.shape[0]
    acc = np.empty((n, 3))
    gyr = np.empty((n, 3))
    step = 400_000
    for a in range(0, n, step):
        lo, hi = max(a - 2, 0), min(a + step + 2, n)
        R = rodrigues(theta[lo:hi]) @ Q0  # sensor -> world
        p = R @ r_body  # sensor position rel. to rotation centre, m
        pdd = np.gradient(np.gradient(p, 1 / fs, axis=0), 1 / fs, axis=0) / G
        aw = adir[lo:hi] + pdd
        aw[:, 2] += 1.0
        acc_c = np.einsum("nji,nj->ni", R, aw)
        M = np.einsum("nji,njk->nik", R[:-1], R[1:])  # R_k^T R_{k+1}
        w = np.stack([M[:, 2, 1] - M[:, 1, 2], M[:, 0, 2] - M[:, 2, 0], M[:, 1, 0] - M[:, 0, 1]], 1) / 2 * fs
        w = np.vstack([w, w[-1:]]) / DEG
        s0 = a - lo
        m = min(step, n - a)
        acc[a:a + m] = acc_c[s0:s0 + m]
        gyr[a:a + m] = w[s0:s0 + m]
    return acc, gyr


# ----------------------------------------------------------------------------- the simulation canvas
class Canvas:
    def __init__(self, rng, dur_s, sensor, person):
        self.rng, self.sensor, self.person = rng, sensor, person
        self.fs = float(max(1000.0, 2 * sensor["fs"]))
        self.n = int(dur_s * self.fs)
        self.theta = np.zeros((self.n, 3))  # world rotation vector, rad
        self.adir = np.zeros((self.n, 3))  # direct translational acceleration, g (world)
        self.floor_gain = np.ones(self.n)  # micro-movement level by context
        self.ptremor_gain = np.ones(self.n)  # physiological-tremor level by context
        self.labels = []
        self.segments = []
        self.posture = np.zeros(3)
        # mounting: watch/verity/hand sensor axes in random yaw + small tilt relative to the hand
        self.Q0 = rotmat(np.array([rng.normal(0, 0.1), rng.normal(0, 0.1), rng.uniform(-math.pi, math.pi)]))
        if sensor["placement"] == "hand":  # back of hand: 4-9 cm distal of the wrist joint, 1.5-3 cm up
            self.r_body = np.array([rng.uniform(0.04, 0.09), rng.normal(0, 0.01), rng.uniform(0.015, 0.03)])
        else:  # wrist strap: just proximal of the joint, 2-3.5 cm above the forearm axis
            self.r_body = np.array([rng.uniform(-0.03, 0.01), rng.normal(0, 0.01), rng.uniform(0.02, 0.035)])
        self.r_body = self.Q0.T @ self.r_body  # express in sensor frame for kinematics()

    def idx(self, t):
        return int(round(t * self.fs))

    def tvec(self, i0, i1):
        return np.arange(i1 - i0) / self.fs

    # posture change (min-jerk) from current posture to `target`, starting at t0 over dur
    def move_posture(self, t0, dur, target):
        i0, i1 = self.idx(t0), min(self.idx(t0 + dur), self.n)
        prev = self.posture.copy()
        tau = self.tvec(i0, i1) / dur
        self.theta[i0:i1] += np.outer(minjerk(tau), target - prev)
        self.theta[i1:] += target - prev
        self.posture = np.asarray(target, float)

    def set_posture(self, target):
        """Initial posture, no motion."""
        self.theta += np.asarray(target, float) - self.posture
        self.posture = np.asarray(target, float)
        return 0.0

    def add_rot_step(self, t0, dur, dvec, ret=None):
        """Rotation excursion: go by dvec (rad) min-jerk over dur, optionally hold `ret`=(hold, back) and return."""
        i0 = self.idx(t0)
        if i0 >= self.n:
            return
        i1 = min(self.idx(t0 + dur), self.n)
        self.theta[i0:i1] += np.outer(minjerk(self.tvec(i0, i1) / dur), dvec)
        if ret is None:
            self.theta[i1:] += dvec
            return
        hold, back = ret
        i2 = min(self.idx(t0 + dur + hold), self.n)
        i3 = min(self.idx(t0 + dur + hold + back), self.n)
        self.theta[i1:i2] += dvec
        self.theta[i2:i3] += np.outer(1 - minjerk(self.tvec(i2, i3) / back), dvec)

    def add_bump_rot(self, t0, dur, dvec):
        """Go-and-return rotation (sin^2 bump)."""
        i0, i1 = self.idx(t0), min(self.idx(t0 + dur), self.n)
        if i0 >= self.n:
            return
        self.theta[i0:i1] += np.outer(np.sin(np.pi * self.tvec(i0, i1) / dur) ** 2, dvec)

    def add_trans(self, t0, dur, disp_m):
        """Min-jerk translation by disp_m (m): adds its acceleration (g)."""
        i0, i1 = self.idx(t0), min(self.idx(t0 + dur), self.n)
        if i0 >= self.n:
            return
        self.adir[i0:i1] += np.outer(minjerk_acc(self.tvec(i0, i1) / dur), disp_m) / dur ** 2 / G

    def add_trans_bump(self, t0, dur, disp_m):
        """Go-and-return translation, displacement sin^2 bump."""
        i0, i1 = self.idx(t0), min(self.idx(t0 + dur), self.n)
        if i0 >= self.n:
            return
        tt = self.tvec(i0, i1)
        w = np.pi / dur
        acc = 2 * w ** 2 * np.cos(2 * w * tt)  # d2/dt2 sin^2(w t) = 2 w^2 cos(2 w t)
        self.adir[i0:i1] += np.outer(acc, disp_m) / G

    def add_transient(self, t0, amp_g, f, decay, direction=None):
        """Damped sine (tap / click / heel strike), amplitude in g."""
        i0 = self.idx(t0)
        i1 = min(i0 + int(5 * decay * self.fs) + 1, self.n)
        if i0 >= self.n:
            return
        tt = self.tvec(i0, i1)
        d = direction if direction is not None else unit(self.rng)
        sig = amp_g * np.sin(2 * np.pi * f * tt) * np.exp(-tt / decay)
        self.adir[i0:i1] += np.outer(sig, d)

    def segment(self, activity, t0, t1, context):
        self.segments.append(dict(activity=activity, start_s=round(t0, 4), end_s=round(t1, 4), context=context))


POSTURES = {
    "table": lambda r: np.array([r.normal(0, 0.05), r.normal(0, 0.05), r.normal(0, 0.3)]),
    "lap": lambda r: np.array([r.uniform(0.3, 0.8) * r.choice([-1, 1]), r.normal(0, 0.15), r.normal(0, 0.3)]),
    "posture": lambda r: np.array([r.choice([0.0, 1.4]) + r.normal(0, 0.1), r.normal(0, 0.15), r.normal(0, 0.3)]),
    "phone": lambda r: np.array([r.normal(0.3, 0.15), r.uniform(-1.0, -0.5), r.normal(0, 0.2)]),
    "ear": lambda r: np.array([r.uniform(1.2, 1.7), r.uniform(-1.2, -0.7), r.normal(0, 0.2)]),
    "book": lambda r: np.array([r.normal(0.2, 0.2), r.uniform(-1.1, -0.6), r.normal(0, 0.2)]),
    "hang": lambda r: np.array([r.normal(0, 0.1), r.uniform(1.3, 1.6), r.normal(0, 0.2)]),
}
CONTEXT_FLOOR = {"table": (0.45, 0.5), "lap": (1.0, 1.0), "posture": (1.4, 2.0), "phone": (1.1, 1.6),
                 "ear": (1.2, 1.8), "book": (1.1, 1.5), "hang": (1.0, 1.2)}


def set_context(cv, t0, t1, context):
    i0, i1 = cv.idx(t0), min(cv.idx(t1), cv.n)
    fg, pg = CONTEXT_FLOOR[context]
    cv.floor_gain[i0:i1] = fg
    cv.ptremor_gain[i0:i1] = pg


def enter(cv, t, context, dur=None):
    """Transition to a context's posture starting at t; returns the time the posture is reached."""
    dur = dur or cv.rng.uniform(0.8, 2.0)
    cv.move_posture(t, dur, POSTURES[context](cv.rng))
    return t + dur


# ----------------------------------------------------------------------------- the person's resting floor
def make_person(rng):
    return dict(
        idle_rms_mg=rng.uniform(2.0, 7.0),  # signals.md: idle hands 2-7 mg sample-to-sample (watch on wrist)
        idle_gyro_dps=rng.uniform(0.5, 4.0),  # signals.md: 0.5-10 deg/s; peaks from adjustments reach ~10
        ptremor_hz=rng.uniform(8.0, 12.0), ptremor_mg=rng.uniform(0.3, 1.5), ptremor_dps=rng.uniform(0.05, 0.3),
        hr_bpm=rng.uniform(55, 95), bcg_mg=rng.uniform(0.3, 1.5),
        breath_hz=rng.uniform(0.2, 0.3), breath_deg=rng.uniform(0.05, 0.4),
        adjust_every_s=rng.uniform(8, 40),
    )


def add_floor(cv, rng, calibrate=True):
    """Physiological tremor, pulse, breathing, micro-movements and small adjustments, everywhere."""
    p, n, fs = cv.person, cv.n, cv.fs
    t = np.arange(n) / fs
    th = np.zeros((n, 3))
    ad = np.zeros((n, 3))
    # physiological tremor: narrowband around the person's 8-12 Hz, rotation + translation
    for k in range(3):
        bw = rng.uniform(1.0, 2.5)
        ad[:, k] += p["ptremor_mg"] * 1e-3 / math.sqrt(3) * smooth_noise(rng, n, fs, p["ptremor_hz"] - bw / 2, p["ptremor_hz"] + bw / 2)
        w = p["ptremor_dps"] * DEG / math.sqrt(3) * smooth_noise(rng, n, fs, p["ptremor_hz"] - bw / 2, p["ptremor_hz"] + bw / 2)
        th[:, k] += np.cumsum(w) / fs
    th *= cv.ptremor_gain[:, None]
    ad *= cv.ptremor_gain[:, None]
    # ballistocardiogram: one small biphasic pulse per beat along a person-specific direction, HRV ~5%
    d = unit(rng)
    tb = rng.uniform(0, 1)
    L = int(0.25 * fs)
    tt = np.arange(L) / fs
    pulse = np.sin(2 * np.pi * rng.uniform(5, 9) * tt) * np.exp(-((tt - 0.06) / 0.05) ** 2)
    pulse /= np.abs(pulse).max()
    while tb < t[-1] - 0.3:
        i = int(tb * fs)
        ad[i:i + L] += np.outer(pulse * p["bcg_mg"] * 1e-3 * rng.uniform(0.8, 1.2), d)
        tb += 60 / p["hr_bpm"] * rng.normal(1, 0.05)
    # breathing: slow rocking, rate wanders
    ph = 2 * np.pi * np.cumsum(p["breath_hz"] * (1 + 0.15 * smooth_noise(rng, n, fs, 0.005, 0.05))) / fs
    axis = unit(rng)
    axis[2] *= 0.3
    th += np.outer(np.sin(ph) * p["breath_deg"] * DEG, axis / np.linalg.norm(axis))
    # micro-movement (broadband 0.5-15 Hz, 1/f-ish), non-stationary envelope
    env = np.exp(0.5 * smooth_noise(rng, n, fs, 0.01, 0.2))
    env /= np.sqrt(np.mean(env ** 2))
    env *= cv.floor_gain
    wr = np.stack([smooth_noise(rng, n, fs, 0.5, 15.0, slope=1.0) for _ in range(3)], 1)
    th += np.cumsum(wr * (p["idle_gyro_dps"] * DEG / math.sqrt(3)) * env[:, None], axis=0) / fs
    micro = np.stack([smooth_noise(rng, n, fs, 0.5, 15.0, slope=1.0) for _ in range(3)], 1) * env[:, None]
    # small postural adjustments (0.3-3 deg over 0.3-1.2 s), Poisson
    ta = rng.exponential(p["adjust_every_s"])
    while ta < t[-1] - 2:
        i0 = int(ta * fs)
        dur = rng.uniform(0.3, 1.2)
        i1 = min(i0 + int(dur * fs), n)
        gain = cv.floor_gain[i0]
        dv = unit(rng) * rng.uniform(0.3, 3.0) * DEG * gain
        th[i0:i1] += np.outer(minjerk(np.arange(i1 - i0) / fs / dur), dv)
        th[i1:] += dv  # the hand stays in its new position
        ta += rng.exponential(p["adjust_every_s"])
    # calibrate the micro translation so that an idle (lap, gain 1) hand shows the person's idle_rms_mg
    scale = p["idle_rms_mg"] * 1e-3 / math.sqrt(3)
    if calibrate:
        m = min(n, int(60 * fs))
        sl = slice(0, m)
        Qp = rotmat(POSTURES["lap"](rng)) @ cv.Q0
        g0 = cv.floor_gain[sl].copy()
        norm = np.where(g0 > 0, 1 / g0, 0)
        a0, _ = kinematics(th[sl] - th[0], ad[sl], Qp, cv.r_body, fs)
        a1, _ = kinematics(np.zeros((m, 3)), micro[sl] * norm[:, None], Qp, cv.r_body, fs)
        hp = lambda x: x - lowpass_fft(x, fs, 0.5, 2)
        v0 = np.mean(np.sum(hp(a0) ** 2, 1)) + 3 * (cv.sensor["acc_nd"] * math.sqrt(1.57 * min(cv.sensor["aa_fc"], cv.sensor["fs"] / 2))) ** 2
        v1 = np.mean(np.sum(hp(a1) ** 2, 1))
        tgt = (p["idle_rms_mg"] * 1e-3) ** 2
        scale = math.sqrt(max(tgt - v0, 0.04 * tgt) / max(v1, 1e-12))
    cv.theta += th
    cv.adir += ad + micro * scale
    cv.floor_scale = scale


# ----------------------------------------------------------------------------- twitches
def twitch_waveform(rng, fs, shape):
    """Surface displacement d(t) follows the motor-unit force twitch; acceleration = d''."""
    while True:
        tc = rng.uniform(0.035, 0.100)
        thr = rng.uniform(0.025, 0.110)
        if 0.100 <= tc + 2 * thr <= 0.300:
            break
    q = rng.uniform(1.2, 2.0)
    L = int((tc + 4 * thr + 0.15) * fs)
    tt = np.arange(L) / fs

    def force(t0):
        x = tt - t0
        f = np.where(x < 0, 0.0, np.where(x < tc, np.sin(np.pi * np.clip(x, 0, tc) / (2 * tc)) ** 2,
                                           np.exp(-math.log(2) * (np.clip(x - tc, 0, None) / thr) ** q)))
        return f

    d = force(0.0)
    extra = {}
    dur = tc + 2 * thr
    if shape == "push_recoil":
        beta = rng.uniform(0.3, 0.8)
        lag = rng.uniform(0.4, 0.9) * (tc + thr)
        d = d - beta * force(lag) * (1 - np.exp(-np.clip(tt - lag, 0, None) / 0.02))
        extra = dict(recoil=round(beta, 3), recoil_lag_ms=round(lag * 1e3, 1))
        dur = max(dur, min(lag + tc + 1.0 * thr, 0.300))
    elif shape == "doublet":
        isi = rng.uniform(0.008, 0.040)
        a2 = rng.uniform(0.6, 1.4)
        d = d + a2 * force(isi)
        extra = dict(isi_ms=round(isi * 1e3, 1), second_rel=round(a2, 3))
        dur = min(dur + isi, 0.300)
    acc = np.gradient(np.gradient(d, 1 / fs), 1 / fs)
    vel = np.gradient(d, 1 / fs)
    ring = None
    if rng.random() < 0.5:
        fr, tau = rng.uniform(30, 120), rng.uniform(0.008, 0.030)
        ring = dict(ring_hz=round(fr, 1), ring_tau_ms=round(tau * 1e3, 1))
        rel = rng.uniform(0.15, 0.6)
        acc = acc + rel * np.abs(acc).max() * np.sin(2 * np.pi * fr * tt) * np.exp(-tt / tau)
        ring["ring_rel"] = round(rel, 3)
    k = np.abs(acc).max()
    return acc / k, vel / k, dict(contraction_ms=round(tc * 1e3, 1), half_relax_ms=round(thr * 1e3, 1),
                                  duration_ms=round(dur * 1e3, 1), **extra, ringdown=ring is not None, **(ring or {})), dur


def add_twitch(cv, rng, t0, context):
    shape = rng.choice(["push", "push_recoil", "doublet"])
    acc, vel, meta, dur = twitch_waveform(rng, cv.fs, shape)
    amp_mg = math.exp(rng.uniform(math.log(2), math.log(50)))
    i0 = cv.idx(t0)
    i1 = min(i0 + len(acc), cv.n)
    d = unit(rng)
    cv.adir[i0:i1] += np.outer(acc[: i1 - i0] * amp_mg * 1e-3, d)
    # part of the push rotates the segment about the wrist (lever 3-8 cm): omega = v / r
    rot_frac = rng.uniform(0, 1)
    ax = np.cross(d, unit(rng))
    ax /= np.linalg.norm(ax)
    lever = rng.uniform(0.03, 0.08)
    disp = np.cumsum(vel[: i1 - i0]) / cv.fs * amp_mg * 1e-3 * G  # m (scaled displacement)
    cv.theta[i0:i1] += np.outer(disp * rot_frac / lever, ax)
    peak_dps = float(np.abs(vel).max() * amp_mg * 1e-3 * G * rot_frac / lever / DEG)
    cv.labels.append(dict(kind="fasciculation", start_s=round(t0, 4), end_s=round(t0 + dur, 4),
                          amplitude=round(amp_mg, 3), amplitude_unit="mg peak", shape=str(shape),
                          direction=[round(x, 3) for x in d], peak_gyro_dps=round(peak_dps, 3),
                          context=context, **meta))


# ----------------------------------------------------------------------------- tremor
def add_tremor(cv, rng, t0, dur, context):
    kind = {"table": "rest", "lap": "rest"}.get(context, None) or rng.choice(["postural_essential", "enhanced_physiological", "rest"], p=[0.6, 0.15, 0.25])
    if kind == "rest":
        f0 = rng.uniform(4.0, 6.0) if rng.random() < 0.75 else rng.uniform(3.0, 7.5)
    elif kind == "postural_essential":
        f0 = rng.uniform(4.0, 12.0)
    else:
        f0 = rng.uniform(8.0, 12.0)
    small = rng.random() < 0.4
    gyro_rms = rng.uniform(1.0, 5.0) if small else math.exp(rng.uniform(math.log(5), math.log(150)))
    if kind == "enhanced_physiological":
        gyro_rms = min(gyro_rms, 15.0)
    i0, i1 = cv.idx(t0), min(cv.idx(t0 + dur), cv.n)
    n = i1 - i0
    fs = cv.fs
    tt = np.arange(n) / fs
    drift = rng.uniform(0.05, 0.35)
    f = f0 + drift * smooth_noise(rng, n, fs, 0.002, 0.1)
    f = np.clip(f, 3.0, 12.5)
    ph = 2 * np.pi * np.cumsum(f) / fs + rng.uniform(0, 2 * np.pi)
    ramp_on, ramp_off = rng.uniform(0.5, min(3.0, dur / 4)), rng.uniform(0.5, min(3.0, dur / 4))
    env = np.clip(tt / ramp_on, 0, 1) * np.clip((dur - tt) / ramp_off, 0, 1)
    am = rng.uniform(0.0, 0.5)
    env = env * np.clip(1 + am * smooth_noise(rng, n, fs, 0.03, 0.4), 0.2, None)
    h2 = rng.uniform(0, 0.3)
    wave = np.sin(ph) + h2 * np.sin(2 * ph + rng.uniform(0, 6.28))
    wave /= math.sqrt((1 + h2 ** 2) / 2)
    # axis: wrist flexion/extension and pronation/supination mixture (body frame) -> world via current posture
    body_axis = np.array([rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0, 0.3)])
    body_axis /= np.linalg.norm(body_axis)
    Rw = rotmat(cv.theta[i0]) @ cv.Q0
    axis_w = Rw @ (cv.Q0.T @ body_axis)
    omega = gyro_rms * DEG * wave * env
    th = np.outer(np.cumsum(omega) / fs, axis_w)
    th -= th.mean(0) * 0  # keep absolute; tiny mean offset is fine
    # translational part (forearm/arm motion), in phase with a random lag; at least 2 mg RMS in all
    tr_dir = unit(rng)
    tr_rms_mg = gyro_rms * rng.uniform(0.3, 1.5)  # ~0.3-1.5 mg per deg/s (ties translation to size)
    lag = rng.uniform(0, 2 * np.pi)
    tr = np.outer(tr_rms_mg * 1e-3 * np.sin(ph + lag) * math.sqrt(2) * env, tr_dir)
    # measure what the sensor sees from the tremor alone
    a, g = kinematics(th, tr, Rw, cv.r_body, fs)
    a -= a.mean(0)
    core = slice(int(min(ramp_on, dur / 3) * fs), max(int((dur - ramp_off) * fs), int(min(ramp_on, dur / 3) * fs) + 1))
    acc_rms = float(np.sqrt(np.mean(np.sum(a[core] ** 2, 1)))) * 1e3
    if acc_rms < 2.0:
        tr *= 1 + (2.0 - acc_rms) / max(tr_rms_mg, 1e-6)
        a, g = kinematics(th, tr, Rw, cv.r_body, fs)
        a -= a.mean(0)
        acc_rms = float(np.sqrt(np.mean(np.sum(a[core] ** 2, 1)))) * 1e3
    g_rms = float(np.sqrt(np.mean(np.sum(g[core] ** 2, 1))))
    cv.theta[i0:i1] += th
    cv.theta[i1:] += th[-1]
    cv.adir[i0:i1] += tr
    cv.labels.append(dict(kind="tremor", start_s=round(t0, 4), end_s=round(t0 + dur, 4), shape=str(kind),
                          freq_hz=round(float(np.median(f)), 3), freq_min_hz=round(float(f.min()), 3),
                          freq_max_hz=round(float(f.max()), 3), amplitude=round(acc_rms, 3),
                          amplitude_unit="mg RMS", gyro_rms_dps=round(g_rms, 3), am_depth=round(am, 3),
                          harmonic2=round(h2, 3), small=bool(acc_rms <= 10 and g_rms <= 5), context=context))


# ----------------------------------------------------------------------------- spasms
def add_spasm(cv, rng, t0, kind, dur, posture_change, context):
    fs = cv.fs
    i0 = cv.idx(t0)
    if kind == "tonic":
        rise, fall = rng.uniform(0.5, 4.0), rng.uniform(0.5, 4.0)
        ang = rng.uniform(5, 40) if posture_change else rng.uniform(0.3, 2)
        vib_mg = rng.uniform(3, 20) if posture_change else rng.uniform(10, 60)
        vib_band = (5.0, 40.0)
        vib_dps = rng.uniform(1, 8)
    elif kind == "cramp":
        rise, fall = rng.uniform(0.3, 1.5), rng.uniform(0.8, 4.0)
        ang = rng.uniform(10, 50) if posture_change else rng.uniform(0.5, 3)
        fc = rng.uniform(6, 14)
        bw = rng.uniform(3, 5)
        vib_band = (max(fc - bw, 2.5), fc + bw)
        vib_mg = rng.uniform(10, 80)
        vib_dps = rng.uniform(5, 40)
    else:  # jerk: a sudden strong contraction that is held >= 1 s
        rise, fall = rng.uniform(0.1, 0.25), rng.uniform(0.3, 1.0)
        ang = rng.uniform(10, 30) if posture_change else rng.uniform(2, 5)
        vib_mg = rng.uniform(10, 40)
        vib_band = (5.0, 40.0)
        vib_dps = rng.uniform(3, 15)
    hold = max(dur - rise - fall, 0.5 if kind == "jerk" else 1.0)
    total = rise + hold + fall
    axis = unit(rng)
    cv.add_rot_step(t0, rise, axis * ang * DEG, ret=(hold, fall))
    if kind == "jerk" and not posture_change:  # jolt of the hand without a lasting change of angle
        jd = unit(rng) * rng.uniform(0.01, 0.03)
        cv.add_trans(t0, rise * 2, jd)
        cv.add_trans(t0 + rise * 2 + hold, fall, -jd)
    if True:
        n = min(int(total * fs), cv.n - i0)
        tt = np.arange(n) / fs
        env = np.clip(tt / rise, 0, 1) * np.clip((total - tt) / fall, 0, 1)
        env *= np.exp(0.4 * smooth_noise(rng, n, fs, 0.05, 1.0))  # irregular, non-rhythmic
        vib = np.stack([smooth_noise(rng, n, fs, *vib_band) for _ in range(3)], 1) * env[:, None]
        cv.adir[i0:i0 + n] += vib * vib_mg * 1e-3 / math.sqrt(3)
        wv = np.stack([smooth_noise(rng, n, fs, *vib_band) for _ in range(3)], 1) * env[:, None]
        cv.theta[i0:i0 + n] += np.cumsum(wv * vib_dps * DEG / math.sqrt(3), 0) / fs
        cv.theta[i0 + n:] += (np.cumsum(wv * vib_dps * DEG / math.sqrt(3), 0) / fs)[-1] if n > 0 else 0
    cv.labels.append(dict(kind="spasm", start_s=round(t0, 4), end_s=round(t0 + total, 4), shape=kind,
                          posture_change=bool(posture_change), angle_deg=round(ang, 2),
                          amplitude=round(vib_mg, 2), amplitude_unit="mg RMS vibration", context=context))
    return total


# ----------------------------------------------------------------------------- everyday activities
def act_events(cv, rng, name, t0, t1):
    """Adds one everyday activity between t0 and t1 (posture already entered)."""
    t = t0
    D = lambda a, b: rng.uniform(a, b)
    if name == "mouse":
        while t < t1 - 1:
            if rng.random() < 0.15:
                t += D(2, 15)
                continue
            dur = D(0.15, 0.7)
            disp = np.array([D(-1, 1), D(-1, 1), 0]) * D(0.005, 0.08)
            cv.add_trans(t, dur, disp)
            cv.add_rot_step(t, dur, np.array([0, 0, D(-10, 10) * DEG]), ret=(D(0.2, 2), D(0.2, 0.6)))
            t += dur + D(0.05, 0.5)
            if rng.random() < 0.5:
                for _ in range(1 if rng.random() < 0.8 else 2):
                    cv.add_transient(t, D(0.004, 0.04), D(20, 80), D(0.005, 0.02))
                    t += D(0.08, 0.25)
            t += D(0.2, 3)
    elif name == "touchpad":
        while t < t1 - 1:
            if rng.random() < 0.2:
                t += D(2, 15)
                continue
            dur = D(0.2, 0.8)
            cv.add_trans(t, dur, np.array([D(-1, 1), D(-1, 1), 0]) * D(0.001, 0.01))
            cv.add_bump_rot(t, dur, unit(rng) * D(0.2, 2) * DEG)
            t += dur
            if rng.random() < 0.4:
                cv.add_transient(t, D(0.003, 0.02), D(15, 60), D(0.005, 0.02))
            t += D(0.2, 2.5)
    elif name == "phone_scroll":
        while t < t1 - 1:
            if rng.random() < 0.05:
                cv.add_rot_step(t, D(0.5, 1.2), unit(rng) * D(3, 15) * DEG)
                t += 1.5
            dur = D(0.12, 0.4)
            cv.add_bump_rot(t, dur, unit(rng) * D(0.4, 3) * DEG)
            cv.add_trans_bump(t, dur, unit(rng) * D(0.0005, 0.004))
            if rng.random() < 0.5:
                cv.add_transient(t, D(0.003, 0.02), D(15, 60), D(0.005, 0.02))
            t += dur + D(0.5, 5)
    elif name in ("phone_typing", "keyboard"):
        rate = (2, 5) if name == "phone_typing" else (3, 8)
        amp = (0.004, 0.03) if name == "phone_typing" else (0.005, 0.06)
        while t < t1 - 1:
            ntap = int(D(3, 30))
            r = D(*rate)
            for _ in range(ntap):
                cv.add_transient(t, D(*amp), D(15, 70), D(0.006, 0.025))
                cv.add_bump_rot(t, D(0.06, 0.15), unit(rng) * D(0.2, 1.5) * DEG)
                if name == "keyboard" and rng.random() < 0.2:
                    cv.add_trans(t, D(0.1, 0.3), np.array([D(-1, 1), D(-1, 1), 0]) * D(0.005, 0.03))
                t += rng.exponential(1 / r) + 0.05
                if t > t1 - 1:
                    break
            t += D(0.3, 4)
            if name == "keyboard" and rng.random() < 0.05:
                cv.add_trans(t, D(0.4, 0.8), np.array([D(0.1, 0.25), D(-0.05, 0.05), 0]))
                cv.add_trans(t + D(2, 8), D(0.4, 0.8), -np.array([D(0.1, 0.25), D(-0.05, 0.05), 0]))
                t += 9
    elif name == "reading":
        while t < t1 - 2:
            t += D(15, 90)
            if t > t1 - 2:
                break
            dur = D(0.6, 1.5)
            cv.add_rot_step(t, dur / 2, unit(rng) * D(20, 60) * DEG, ret=(D(0.1, 0.4), dur / 2))
            cv.add_trans_bump(t, dur, unit(rng) * D(0.05, 0.2))
            if rng.random() < 0.5:
                cv.add_rot_step(t + dur + D(1, 5), D(0.4, 1.0), unit(rng) * D(1, 6) * DEG)
    elif name == "eating":
        while t < t1 - 4:
            if rng.random() < 0.3:  # cutting: sawing 1.5-3 Hz for 2-6 s
                f, dd = D(1.5, 3.0), D(2, 6)
                i0, i1 = cv.idx(t), min(cv.idx(t + dd), cv.n)
                tt = cv.tvec(i0, i1)
                A = D(0.015, 0.04)
                cv.adir[i0:i1, 0] += -A * (2 * np.pi * f) ** 2 * np.sin(2 * np.pi * f * tt) * np.minimum(1, np.minimum(tt, dd - tt) / 0.3) / G
                cv.theta[i0:i1, 2] += D(2, 8) * DEG * np.sin(2 * np.pi * f * tt) * np.minimum(1, np.minimum(tt, dd - tt) / 0.3)
                t += dd + D(0.5, 2)
            up = D(0.7, 1.5)
            cv.add_rot_step(t, up, np.array([D(1.0, 2.0), D(-0.8, -0.3), D(-0.3, 0.3)]), ret=(D(0.4, 2), D(0.7, 1.5)))
            cv.add_trans_bump(t, up * 2 + D(0.4, 2), np.array([D(-0.05, 0.05), D(0.1, 0.2), D(0.2, 0.35)]))
            t += D(8, 30)
    elif name == "drinking":
        while t < t1 - 8:
            t += D(10, 80)
            if t > t1 - 8:
                break
            cv.add_trans(t, D(0.6, 1.0), np.array([D(0.15, 0.3), D(-0.1, 0.1), 0]))
            t += 1.0
            up = D(1.0, 1.6)
            sip = D(1, 5)
            cv.add_rot_step(t, up, np.array([D(1.0, 1.8), D(-0.5, 0.5), 0]), ret=(sip, D(1, 1.6)))
            cv.add_trans_bump(t, up * 2 + sip, np.array([D(-0.1, 0.0), 0, D(0.25, 0.4)]))
            t += up * 2 + sip + 0.5
            cv.add_trans(t, D(0.6, 1.0), -np.array([D(0.15, 0.3), D(-0.1, 0.1), 0]))
            t += 1.0
    elif name == "scratching":
        while t < t1 - 8:
            t += D(5, 60)
            if t > t1 - 8:
                break
            cv.add_rot_step(t, D(0.5, 1.0), unit(rng) * D(10, 40) * DEG, ret=(0.1, 0.1))
            t += 1.0
            f, dd = D(2.5, 6.0), D(1, 8)
            i0, i1 = cv.idx(t), min(cv.idx(t + dd), cv.n)
            tt = cv.tvec(i0, i1)
            ph = 2 * np.pi * np.cumsum(f * (1 + 0.1 * smooth_noise(rng, i1 - i0, cv.fs, 0.1, 2))) / cv.fs
            A = D(0.005, 0.025)
            ax = unit(rng)
            cv.adir[i0:i1] += np.outer(-A * (2 * np.pi * f) ** 2 * np.sin(ph) / G, ax)
            cv.theta[i0:i1] += np.outer(D(3, 15) * DEG * np.sin(ph + D(0, 3)), unit(rng))
            t += dd
    elif name == "fidgeting":
        while t < t1 - 4:
            mode = rng.choice(["tap", "twiddle", "knee", "shift"], p=[0.35, 0.3, 0.2, 0.15])
            dd = D(2, 10) if mode != "knee" else D(3, 30)
            if mode == "tap":
                r = D(2, 8)
                tk = t
                while tk < t + dd:
                    cv.add_transient(tk, D(0.005, 0.04), D(15, 60), D(0.006, 0.02))
                    tk += 1 / r * rng.normal(1, 0.1)
            elif mode == "twiddle":
                i0, i1 = cv.idx(t), min(cv.idx(t + dd), cv.n)
                cv.theta[i0:i1] += np.outer(smooth_noise(rng, i1 - i0, cv.fs, 0.3, 2.0), unit(rng)) * D(3, 15) * DEG * np.sin(np.pi * cv.tvec(i0, i1) / dd)[:, None]
            elif mode == "knee":  # leg bouncing transmitted to a hand resting on the thigh
                f = D(3.5, 7.0)
                i0, i1 = cv.idx(t), min(cv.idx(t + dd), cv.n)
                ph = 2 * np.pi * np.cumsum(f * (1 + 0.06 * smooth_noise(rng, i1 - i0, cv.fs, 0.05, 1))) / cv.fs
                env = np.minimum(1, np.minimum(cv.tvec(i0, i1), dd - cv.tvec(i0, i1)) / 0.5)
                cv.adir[i0:i1, 2] += D(0.01, 0.08) * np.sin(ph) * env
                cv.theta[i0:i1] += np.outer(D(0.3, 2) * DEG * np.sin(ph + 1) * env, unit(rng))
            else:
                cv.add_rot_step(t, D(0.5, 1.5), unit(rng) * D(5, 20) * DEG)
                cv.add_trans(t, D(0.5, 1.5), unit(rng) * D(0.02, 0.1))
            t += dd + D(1, 20)
    elif name == "phone_call":
        while t < t1 - 3:
            t += D(3, 20)
            if t > t1 - 3:
                break
            cv.add_rot_step(t, D(0.4, 1.2), unit(rng) * D(2, 10) * DEG)
            if rng.random() < 0.3:
                cv.add_trans_bump(t, D(0.5, 1.5), unit(rng) * D(0.01, 0.04))
    elif name == "writing":
        while t < t1 - 3:
            wd = D(0.5, 2.5)
            f = D(3.0, 7.0)
            i0, i1 = cv.idx(t), min(cv.idx(t + wd), cv.n)
            nn = i1 - i0
            ph = 2 * np.pi * np.cumsum(f * (1 + 0.25 * smooth_noise(rng, nn, cv.fs, 0.5, 5))) / cv.fs
            amp = np.exp(0.4 * smooth_noise(rng, nn, cv.fs, 0.5, 4))
            A = D(0.001, 0.004)
            cv.adir[i0:i1, 0] += -A * (2 * np.pi * f) ** 2 * np.sin(ph) * amp / G
            cv.adir[i0:i1, 1] += -A * 0.7 * (2 * np.pi * f) ** 2 * np.sin(1.3 * ph + 1) * amp / G
            cv.theta[i0:i1] += np.outer(D(0.5, 3) * DEG * np.sin(ph + 0.5) * amp, unit(rng))
            cv.add_trans(t, wd, np.array([D(0.01, 0.03), 0, 0]))
            t += wd + D(0.15, 1.0)
            if rng.random() < 0.12:
                cv.add_trans(t, D(0.4, 0.8), np.array([-D(0.08, 0.15), D(0.005, 0.01), 0]))
                t += D(0.8, 3)
    elif name == "walking":
        while t < t1 - 10:
            wd = min(D(20, 180), t1 - t - 2)
            fstep = D(1.6, 2.1)
            i0, i1 = cv.idx(t), min(cv.idx(t + wd), cv.n)
            tt = cv.tvec(i0, i1)
            env = np.minimum(1, np.minimum(tt, wd - tt) / 1.5)
            ph = 2 * np.pi * np.cumsum(fstep * (1 + 0.03 * smooth_noise(rng, i1 - i0, cv.fs, 0.02, 0.5))) / cv.fs
            swing = D(10, 30) * DEG
            ang = swing * np.sin(ph / 2) * env
            cv.theta[i0:i1, 1] += ang
            Larm = D(0.55, 0.7)
            alpha = np.gradient(np.gradient(ang, 1 / cv.fs), 1 / cv.fs)
            cv.adir[i0:i1, 0] += Larm * alpha / G
            cv.adir[i0:i1, 2] += D(0.1, 0.25) * np.sin(ph) * env + 0.05 * np.sin(2 * ph + 1) * env
            step_t = t + (np.flatnonzero(np.diff(np.floor(ph / (2 * np.pi))) > 0) / cv.fs)
            for ts in step_t:
                cv.add_transient(ts, D(0.08, 0.4), D(12, 30), D(0.01, 0.03), direction=np.array([0.2, 0, 1.0]))
            t += wd + D(2, 20)


CONTEXT_OF = {"mouse": "table", "touchpad": "table", "phone_scroll": "phone", "phone_typing": "phone",
              "keyboard": "table", "reading": "book", "eating": "table", "drinking": "table", "scratching": "lap",
              "fidgeting": "lap", "phone_call": "ear", "writing": "table", "walking": "hang", "rest": "lap"}


# ----------------------------------------------------------------------------- recordings
def plan_activity(rng, cv, main, dur):
    """Alternate the main activity (1-4 min) with idle rest (20 s - 2 min)."""
    t = 0.0
    blocks = []
    first = True
    while t < dur - 5:
        if main != "rest" and (first or blocks[-1][0] == "rest"):
            a, L = main, rng.uniform(60, 240)
        else:
            a, L = "rest", rng.uniform(20, 120)
        first = False
        L = min(L, dur - t)
        ctx = CONTEXT_OF[a] if a != "rest" else rng.choice(["lap", "table"])
        blocks.append((a, t, t + L, ctx))
        t += L
    return blocks


def build_activity(rng, cv, main, dur):
    blocks = plan_activity(rng, cv, main, dur)
    for a, b0, b1, ctx in blocks:
        set_context(cv, b0, b1, ctx)
    add_floor(cv, rng)
    for a, b0, b1, ctx in blocks:
        t = enter(cv, b0, ctx) if b0 > 0 else cv.set_posture(POSTURES[ctx](rng))
        if a != "rest":
            act_events(cv, rng, a, t + 0.5, b1)
        cv.segment(a, b0, b1, ctx)


def build_events(rng, cv, dur, twitch_rate_per_min):
    """Blocks of rest/posture with Poisson twitches, tremor bouts and spasms kept apart."""
    blocks = []
    t = 0.0
    while t < dur - 20:
        kind = rng.choice(["twitch", "tremor", "spasm"], p=[0.5, 0.25, 0.25])
        ctx = rng.choice(["table", "lap", "posture"], p=[0.35, 0.35, 0.3])
        if kind == "twitch":
            L = rng.uniform(30, 90)
            ev = None
        elif kind == "tremor":
            bout = math.exp(rng.uniform(math.log(5), math.log(180)))
            pre, post = rng.uniform(5, 15), rng.uniform(5, 15)
            L = pre + bout + post
            ev = (pre, bout)
        else:
            sk = rng.choice(["tonic", "cramp", "jerk"])
            d = {"tonic": math.exp(rng.uniform(math.log(3), math.log(150))), "cramp": math.exp(rng.uniform(math.log(5), math.log(100))),
                 "jerk": rng.uniform(1.3, 5.0)}[sk]
            pre, post = rng.uniform(5, 15), rng.uniform(6, 15)
            L = pre + d + post
            ev = (pre, d, sk, bool(rng.random() < 0.6))
        L = min(L, dur - t) if kind == "twitch" else L
        blocks.append((kind, t, t + L, ctx, ev))
        t += L
    total = t
    if cv.n < int(total * cv.fs) + 10:
        extra = int(total * cv.fs) + 10 - cv.n
        for name in ("theta", "adir"):
            setattr(cv, name, np.vstack([getattr(cv, name), np.zeros((extra, 3))]))
        cv.floor_gain = np.concatenate([cv.floor_gain, np.ones(extra)])
        cv.ptremor_gain = np.concatenate([cv.ptremor_gain, np.ones(extra)])
        cv.n += extra
    for kind, b0, b1, ctx, ev in blocks:
        set_context(cv, b0, b1, ctx)
    add_floor(cv, rng)
    prev_ctx = None
    for kind, b0, b1, ctx, ev in blocks:
        ready = b0
        if ctx != prev_ctx:
            ready = enter(cv, b0, ctx) if b0 > 0 else cv.set_posture(POSTURES[ctx](rng))
        prev_ctx = ctx
        busy = []
        if kind == "tremor":
            add_tremor(cv, rng, b0 + ev[0], ev[1], ctx)
            busy.append((b0 + ev[0], b0 + ev[0] + ev[1]))
        elif kind == "spasm":
            tot = add_spasm(cv, rng, b0 + ev[0], ev[2], ev[1], ev[3], ctx)
            busy.append((b0 + ev[0], b0 + ev[0] + tot))
        # Poisson twitches in the free time, >= 2 s from transitions and events, >= 0.5 s apart
        tt = ready + 2.0
        while True:
            tt += rng.exponential(60.0 / twitch_rate_per_min)
            if tt > b1 - 2.0:
                break
            if any(a - 2.5 < tt < b + 3.0 for a, b in busy):
                continue
            if cv.labels and cv.labels[-1]["kind"] == "fasciculation" and tt - cv.labels[-1]["end_s"] < 0.5:
                continue
            add_twitch(cv, rng, tt, ctx)
        cv.segment("rest" if ctx != "posture" else "posture", b0, b1, ctx)
    return total


def sample_sensor(cv, rng):
    s = cv.sensor
    acc, gyr = kinematics(cv.theta, cv.adir, cv.Q0, cv.r_body, cv.fs)
    acc = lowpass_fft(acc, cv.fs, s["aa_fc"], s["aa_order"])
    gyr = lowpass_fft(gyr, cv.fs, s["aa_fc"], s["aa_order"])
    dur = (cv.n - 2) / cv.fs
    period = 1 / s["fs"]
    m = int(dur / period)
    t = np.arange(m) * period + np.clip(rng.normal(0, s["jitter"] * period, m), -0.4 * period, 0.4 * period)
    t = np.clip(t, 0, dur)
    t = np.maximum.accumulate(t)
    tg = np.arange(cv.n) / cv.fs
    A = np.stack([np.interp(t, tg, acc[:, k]) for k in range(3)], 1)
    W = np.stack([np.interp(t, tg, gyr[:, k]) for k in range(3)], 1)
    bw = 1.57 * min(s["aa_fc"], s["fs"] / 2)
    A = A * s["acc_gain"] + s["acc_bias"] + rng.normal(0, s["acc_nd"] * math.sqrt(bw), A.shape)
    W = W + s["gyro_bias"] + rng.normal(0, s["gyro_nd"] * math.sqrt(bw), W.shape)
    A = np.clip(np.round(A / s["acc_lsb"]) * s["acc_lsb"], -s["acc_range"], s["acc_range"] - s["acc_lsb"])
    W = np.clip(np.round(W / s["gyro_lsb"]) * s["gyro_lsb"], -s["gyro_range"], s["gyro_range"] - s["gyro_lsb"])
    return t, A, W


def write_csv(path, t, A, W, has_gyro, t_offset):
    keep = np.concatenate([[True], np.diff(t) > 1e-6])  # strictly increasing after rounding
    t, A, W = t[keep], A[keep], W[keep]
    if has_gyro:
        data = np.column_stack([t + t_offset, A, W])
        fmt = "%.6f,%.6f,%.6f,%.6f,%.4f,%.4f,%.4f"
        header = "t,ax,ay,az,gx,gy,gz"
    else:
        data = np.column_stack([t + t_offset, A])
        fmt = "%.6f,%.6f,%.6f,%.6f"
        header = "t,ax,ay,az"
    np.savetxt(path, data, fmt=fmt, header=header, comments="")


def make_recording(rng, out, name, kind, dur, main=None, sensor_kw=None, twitch_rate=None):
    sensor = pick_sensor(rng, **(sensor_kw or {}))
    person = make_person(rng)
    cv = Canvas(rng, dur + 1.0, sensor, person)
    if kind == "activity":
        build_activity(rng, cv, main, dur)
        total = dur
    else:
        total = build_events(rng, cv, dur, twitch_rate or rng.uniform(2, 12))
    t, A, W = sample_sensor(cv, rng)
    t_off = float(rng.choice([0.0, rng.uniform(0, 5e4)]))
    write_csv(os.path.join(out, name + ".csv"), t, A, W, sensor["has_gyro"], t_off)
    noise_norm_mg = sensor["acc_nd"] * math.sqrt(1.57 * min(sensor["aa_fc"], sensor["fs"] / 2)) * math.sqrt(3) * 1e3
    for lab in cv.labels:
        lab["start_s"] = round(lab["start_s"] + t_off, 4)
        lab["end_s"] = round(lab["end_s"] + t_off, 4)
        if lab["kind"] == "fasciculation":
            ctx_gain = CONTEXT_FLOOR[lab["context"]][0]
            lab["snr_sensor"] = round(lab["amplitude"] / noise_norm_mg, 2)
            lab["snr_floor"] = round(lab["amplitude"] / max(person["idle_rms_mg"] * ctx_gain, noise_norm_mg), 2)
    for seg in cv.segments:
        seg["start_s"] = round(seg["start_s"] + t_off, 4)
        seg["end_s"] = round(min(seg["end_s"], total) + t_off, 4)
    meta = dict(file=name + ".csv", kind=kind, main_activity=main, duration_s=round(float(t[-1] - t[0]), 3),
                t_offset=t_off,
                sensor={k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in sensor.items()},
                sensor_noise_norm_mg=round(noise_norm_mg, 3),
                person={k: round(float(v), 4) for k, v in person.items()},
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
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    manifest = []
    # event recordings: rotate sensors so every model/rate/placement gets twitches
    combos = [("verity", r) for r in SENSORS["verity"]["rates"]] + [("watch", r) for r in (50, 104)] + \
             [("hand16", r) for r in SENSORS["hand16"]["rates"]]
    for i in range(args.event_files):
        model, rate = combos[i % len(combos)]
        dur = args.event_minutes * 60 * rng.uniform(0.7, 1.3)
        if rate >= 800:
            dur *= 0.6
        m = make_recording(np.random.default_rng([args.seed, 1, i]), args.out, f"ev{i:03d}", "events", dur,
                           sensor_kw=dict(name=model, rate=rate))
        manifest.append(m["file"])
        print(f"{m['file']}: {m['sensor']['model']} {m['sensor']['fs']:.0f} Hz {m['sensor']['placement']} "
              f"{len(m['events'])} events {m['duration_s']:.0f} s", file=sys.stderr)
    # activity recordings: all activities + rest, ~equal time each
    names = ACTIVITIES + ["rest"]
    per = args.hours * 3600 / len(names)
    j = 0
    for a in names:
        left = per
        while left > 60:
            dur = min(left, rng.uniform(480, 900))
            left -= dur
            srng = np.random.default_rng([args.seed, 2, j])
            kw = dict(name=srng.choice(["verity", "watch", "hand16"], p=[0.35, 0.45, 0.2]))
            if kw["name"] == "hand16":
                kw["rate"] = srng.choice([200, 250, 400])
            m = make_recording(srng, args.out, f"act{j:03d}_{a}", "activity", dur, main=a, sensor_kw=kw)
            manifest.append(m["file"])
            print(f"{m['file']}: {m['sensor']['model']} {m['sensor']['fs']:.0f} Hz {m['duration_s']:.0f} s", file=sys.stderr)
            j += 1
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(dict(seed=args.seed, hours=args.hours, files=manifest), f, indent=1)


if __name__ == "__main__":
    main()
