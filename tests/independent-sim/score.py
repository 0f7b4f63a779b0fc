#!/usr/bin/env python3
"""Scores the TwitchWatch CLI on recordings made by generate.py (independent second opinion).

Runs `BIN classify --input FILE.csv` on every recording in the manifest, keeps the `"type":"event"` lines
(docs/cli.md) and compares them with the labels. The figures are reported, never used to tune anything.

Matching: a twitch event matches a twitch label when its start is within 150 ms of the label's onset,
one-to-one (optimal assignment); tremor and spasm events match a label of their kind by time overlap,
one-to-one (largest overlap first); further events on an already matched label are "fragments" and count
as false in precision (a lenient precision that forgives them is shown too).

Usage: python score.py --data DIR --bin /path/to/twitchwatch --report report.md [--json summary.json]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.optimize import linear_sum_assignment

KINDS = ["fasciculation", "tremor", "spasm"]
TWITCH_TOL = 0.150


# ----------------------------------------------------------------------------- running the CLI
def first_last_t(path):
    with open(path, "rb") as f:
        f.readline()
        t0 = float(f.readline().split(b",")[0])
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 400))
        t1 = float(f.read().strip().split(b"\n")[-1].split(b",")[0])
    return t0, t1


def run_cli(tw_bin, path):
    t = time.time()
    p = subprocess.run([tw_bin, "classify", "--input", path], capture_output=True, text=True)
    wall = time.time() - t
    if p.returncode != 0:
        return dict(events=None, error=(p.stderr.strip() or p.stdout.strip())[:300], wall_s=wall)
    ev, bad = [], 0
    for line in p.stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            o = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        if o.get("type") == "event":
            if o.get("kind") in KINDS and isinstance(o.get("start_s"), (int, float)) and isinstance(o.get("end_s"), (int, float)):
                ev.append(o)
            else:
                bad += 1
    return dict(events=ev, error=None, bad_lines=bad, wall_s=wall)


# ----------------------------------------------------------------------------- matching
def overlap(a0, a1, b0, b1):
    return min(a1, b1) - max(a0, b0)


def match_twitches(labels, events):
    """One-to-one optimal assignment of events to labels with |start - onset| <= 150 ms."""
    if not labels or not events:
        return []
    L = np.array([l["start_s"] for l in labels])
    E = np.array([e["start_s"] for e in events])
    d = np.abs(L[:, None] - E[None, :])
    big = 1e6
    cost = np.where(d <= TWITCH_TOL, d, big)
    r, c = linear_sum_assignment(cost)
    return [(i, j) for i, j in zip(r, c) if cost[i, j] < big]


def match_overlap(labels, events):
    cand = []
    for i, l in enumerate(labels):
        for j, e in enumerate(events):
            ov = overlap(l["start_s"], l["end_s"], e["start_s"], e["end_s"])
            if ov > 0:
                cand.append((ov, i, j))
    cand.sort(reverse=True)
    used_l, used_e, pairs = set(), set(), []
    for ov, i, j in cand:
        if i in used_l or j in used_e:
            continue
        used_l.add(i)
        used_e.add(j)
        pairs.append((i, j))
    return pairs


def wilson(h, n, z=1.96):
    """95 % Wilson interval of a proportion h/n."""
    if not n:
        return (float("nan"), float("nan"))
    p = h / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    w = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - w), min(1.0, c + w))


def prf(tp, nl, ne):
    r = tp / nl if nl else float("nan")
    p = tp / ne if ne else float("nan")
    f = 2 * p * r / (p + r) if nl and ne and (p + r) > 0 else (0.0 if (nl or ne) else float("nan"))
    return p, r, f


# ----------------------------------------------------------------------------- bins
def amp_bin(a):
    for lo, hi in [(2, 5), (5, 10), (10, 20), (20, 50.01)]:
        if lo <= a < hi:
            return f"{lo}–{int(hi)} mg"
    return "other"


def rel_bin(s):
    if s is None or s != s:
        return "unknown"
    return "<1× floor" if s < 1 else "1–2×" if s < 2 else "2–4×" if s < 4 else "4–8×" if s < 8 else "≥8×"


REL_ORDER = ["<1× floor", "1–2×", "2–4×", "4–8×", "≥8×", "unknown"]


def rate_bin(fs):
    return "50–52 Hz" if fs <= 60 else "100–104 Hz" if fs <= 110 else "200–250 Hz" if fs <= 260 else \
        "400–500 Hz" if fs <= 520 else "800–1000 Hz"


RATE_ORDER = ["50–52 Hz", "100–104 Hz", "200–250 Hz", "400–500 Hz", "800–1000 Hz"]


def clean(o):
    """NaN -> null, tuples -> lists, numpy scalars -> Python, so the JSON is strict."""
    if isinstance(o, dict):
        return {str(k): clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean(v) for v in o]
    if isinstance(o, (np.floating, float)):
        return None if not math.isfinite(float(o)) else float(o)
    if isinstance(o, np.integer):
        return int(o)
    return o


def fmt(x, d=2):
    if x is None or (isinstance(x, float) and x != x):
        return "–"
    return f"{x:.{d}f}" if isinstance(x, float) else str(x)


class Split:
    """hit/total per value of several splits."""

    def __init__(self):
        self.d = defaultdict(lambda: defaultdict(lambda: [0, 0]))

    def add(self, split, value, ok):
        self.d[split][value][0] += int(ok)
        self.d[split][value][1] += 1

    def out(self):
        return {sp: {v: dict(hit=h, n=n, recall=h / n if n else None) for v, (h, n) in vals.items()}
                for sp, vals in self.d.items()}


def split_lines(splits, orders=None):
    L = []
    orders = orders or {}
    for sp, vals in splits.items():
        keys = list(vals)
        if sp in orders:
            keys = [k for k in orders[sp] if k in vals] + [k for k in keys if k not in orders[sp]]
        else:
            keys = sorted(keys)
        L.append(f"| {sp} | " + "; ".join(f"{k}: **{fmt(vals[k]['recall'])}** ({vals[k]['hit']}/{vals[k]['n']})" for k in keys) + " |")
    return L


# ----------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--report", default="independent-report.md")
    ap.add_argument("--json", default=None)
    ap.add_argument("--bin", default=os.environ.get("TW_BIN", "twitchwatch"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--command", default=None, help="command line to quote in the report")
    ap.add_argument("--time-axis", choices=["auto", "input"], default="auto",
                    help="auto: if a file's events lie on an axis starting at its first sample, shift them (and say so)")
    args = ap.parse_args(argv)
    man = json.load(open(os.path.join(args.data, "manifest.json")))
    metas = [json.load(open(os.path.join(args.data, f[:-4] + ".labels.json"))) for f in man["files"]]
    t_start = time.time()
    with ThreadPoolExecutor(args.jobs) as ex:
        outs = list(ex.map(lambda m: run_cli(args.bin, os.path.join(args.data, m["file"])), metas))
    wall = time.time() - t_start

    # docs/cli.md: event times are "seconds on the input's time axis"
    shifted = []
    for m, o in zip(metas, outs):
        ev = o["events"]
        if not ev:
            continue
        t0, t1 = first_last_t(os.path.join(args.data, m["file"]))
        on_input = all(t0 - 1 <= e["start_s"] <= t1 + 1 for e in ev)
        on_rel = all(-1 <= e["start_s"] <= t1 - t0 + 1 for e in ev)
        if not on_input and on_rel and args.time_axis == "auto":
            shifted.append(m["file"])
            for e in ev:
                e["start_s"] += t0
                e["end_s"] += t0

    errors = [(m["file"], o["error"]) for m, o in zip(metas, outs) if o["events"] is None]
    bad_lines = sum(o.get("bad_lines", 0) for o in outs if o["events"] is not None)
    cnt = {k: dict(tp=0, nl=0, ne=0, frag=0, unrelated=0) for k in KINDS}
    tw, tr, sp = Split(), Split(), Split()
    tw_rate_rel = defaultdict(lambda: [0, 0])
    tw_excluded_gap = 0
    confusion = {k: defaultdict(int) for k in KINDS}
    ferr, ferr_rel = [], []
    tr_lab_t = tr_cov_t = tr_ev_t = 0.0
    false_tw_where = defaultdict(int)  # where unmatched twitch events fall in event files
    ev_hours = 0.0
    act_hours = defaultdict(float)
    act_false = defaultdict(lambda: {k: 0 for k in KINDS})
    act_files = []
    act_false_ev = defaultdict(list)  # kind -> false events in everyday data (for a description)
    for m, o in zip(metas, outs):
        ev = o["events"]
        if ev is None:
            continue
        s = m["sensor"]
        gy = "with gyro" if s["has_gyro"] else "accel only"
        if m["kind"] == "events":
            ev_hours += m["duration_s"] / 3600
            for k in KINDS:
                L = [l for l in m["events"] if l["kind"] == k]
                if k == "fasciculation":
                    keepL = [l for l in L if not l.get("in_gap")]
                    tw_excluded_gap += len(L) - len(keepL)
                    L = keepL
                E = [e for e in ev if e["kind"] == k]
                pairs = match_twitches(L, E) if k == "fasciculation" else match_overlap(L, E)
                hit = {i for i, _ in pairs}
                used = {j for _, j in pairs}
                cnt[k]["tp"] += len(pairs)
                cnt[k]["nl"] += len(L)
                cnt[k]["ne"] += len(E)
                for j, e in enumerate(E):
                    if j in used:
                        continue
                    tol = TWITCH_TOL if k == "fasciculation" else 0.0
                    if any(overlap(l["start_s"] - tol, l["end_s"] + tol, e["start_s"], e["end_s"]) > 0 for l in L):
                        cnt[k]["frag"] += 1
                    else:
                        cnt[k]["unrelated"] += 1
                    if k == "fasciculation":
                        inside = [l["kind"] for l in m["events"] if l["kind"] != k and
                                  overlap(l["start_s"] - 1, l["end_s"] + 1, e["start_s"], e["end_s"]) > 0]
                        false_tw_where["during a tremor/spasm label (±1 s)" if inside else "in rest between labels"] += 1
                for i, l in enumerate(L):
                    ok = i in hit
                    if k == "fasciculation":
                        rb = rel_bin(l.get("size_rel_floor"))
                        for a, v in [("size (peak at sensor)", amp_bin(l["amplitude"])),
                                     ("size relative to the local floor (3–30 Hz vector RMS)", rb),
                                     ("shape", l["shape"]), ("sample rate", rate_bin(s["fs"])),
                                     ("placement", s["placement"]), ("gyroscope", gy), ("sensor model", s["model"]),
                                     ("context", l["context"])]:
                            tw.add(a, v, ok)
                        if rb in ("4–8×", "≥8×"):
                            tw.add("shape, twitches ≥4× the local floor", l["shape"], ok)
                            tw.add("placement, twitches ≥4× the local floor", s["placement"], ok)
                            tw.add("gyroscope, twitches ≥4× the local floor", gy, ok)
                        tw_rate_rel[(rate_bin(s["fs"]), rb)][0] += int(ok)
                        tw_rate_rel[(rate_bin(s["fs"]), rb)][1] += 1
                    elif k == "tremor":
                        d = l["end_s"] - l["start_s"]
                        for a, v in [("type", l["shape"]), ("size", "small (≤10 mg RMS and ≤5 °/s)" if l["small"] else "larger"),
                                     ("frequency", "3–6 Hz" if l["freq_hz"] < 6 else "6–9 Hz" if l["freq_hz"] < 9 else "9–12.5 Hz"),
                                     ("sample rate", rate_bin(s["fs"])), ("placement", s["placement"]), ("gyroscope", gy),
                                     ("bout length", "<15 s" if d < 15 else "15–60 s" if d < 60 else "≥60 s")]:
                            tr.add(a, v, ok)
                    else:
                        d = l["end_s"] - l["start_s"]
                        for a, v in [("type", l["shape"]), ("posture change", "yes" if l["posture_change"] else "no"),
                                     ("sample rate", rate_bin(s["fs"])), ("placement", s["placement"]), ("gyroscope", gy),
                                     ("duration", "<5 s" if d < 5 else "5–60 s" if d < 60 else "≥60 s")]:
                            sp.add(a, v, ok)
                if k == "tremor":
                    for i, j in pairs:
                        if isinstance(E[j].get("freq_hz"), (int, float)):
                            ferr.append(abs(E[j]["freq_hz"] - L[i]["freq_hz"]))
                            ferr_rel.append(abs(E[j]["freq_hz"] - L[i]["freq_hz"]) / L[i]["freq_hz"])
                    for l in L:
                        tr_lab_t += l["end_s"] - l["start_s"]
                        tr_cov_t += sum(max(0.0, overlap(l["start_s"], l["end_s"], e["start_s"], e["end_s"])) for e in E)
                    tr_ev_t += sum(max(0.0, e["end_s"] - e["start_s"]) for e in E)
            for l in m["events"]:
                if l["kind"] == "fasciculation" and l.get("in_gap"):
                    continue
                tol = TWITCH_TOL if l["kind"] == "fasciculation" else 0.0
                kinds = {e["kind"] for e in ev if overlap(l["start_s"] - tol, l["end_s"] + tol, e["start_s"], e["end_s"]) > 0}
                for kk in kinds:
                    confusion[l["kind"]][kk] += 1
                if not kinds:
                    confusion[l["kind"]]["(nothing)"] += 1
        else:
            segs = m["segments"]
            for sg in segs:
                act_hours[sg["activity"]] += (sg["end_s"] - sg["start_s"]) / 3600
            nf = {k: 0 for k in KINDS}
            for e in ev:
                mid = (e["start_s"] + e["end_s"]) / 2
                a = next((sg["activity"] for sg in segs if sg["start_s"] <= mid < sg["end_s"]), segs[-1]["activity"])
                act_false[a][e["kind"]] += 1
                act_false_ev[e["kind"]].append((a, e))
                nf[e["kind"]] += 1
            act_files.append(dict(file=m["file"], main=m["main_activity"], model=s["model"], fs=s["fs"],
                                  placement=s["placement"], gyro=s["has_gyro"], hours=m["duration_s"] / 3600, false=nf))

    # ------------------------------------------------------------------ summary
    summ = dict(data=args.data, seed=man.get("seed"), bin=args.bin, files=len(metas), cli_errors=errors,
                unparsed_or_odd_event_lines=bad_lines, time_axis_shifted=shifted, wall_s=round(wall, 1),
                event_recordings_hours=ev_hours, classes={})
    for k in KINDS:
        c = cnt[k]
        p, r, f = prf(c["tp"], c["nl"], c["ne"])
        pl = (c["tp"] + c["frag"]) / c["ne"] if c["ne"] else float("nan")
        summ["classes"][k] = dict(labels=c["nl"], events=c["ne"], matched=c["tp"], precision=p, recall=r, f1=f,
                                  precision_ci95=wilson(c["tp"], c["ne"]), recall_ci95=wilson(c["tp"], c["nl"]),
                                  fragments=c["frag"], unrelated_false=c["unrelated"], precision_lenient=pl)
    summ["twitch_recall"] = tw.out()
    summ["twitch_recall_rate_by_relative_size"] = {f"{a} | {b}": dict(hit=h, n=n, recall=h / n if n else None)
                                                   for (a, b), (h, n) in tw_rate_rel.items()}
    summ["twitch_labels_excluded_lost_samples"] = tw_excluded_gap
    summ["false_twitches_in_event_files"] = dict(false_tw_where)
    fe = sorted(ferr)
    summ["tremor"] = dict(
        matched_with_freq=len(fe), freq_err_median_hz=fe[len(fe) // 2] if fe else None,
        freq_err_p90_hz=fe[min(len(fe) - 1, int(0.9 * len(fe)))] if fe else None, freq_err_max_hz=fe[-1] if fe else None,
        share_within_0_3_hz=sum(x <= 0.3 for x in fe) / len(fe) if fe else None,
        share_within_0_5_hz=sum(x <= 0.5 for x in fe) / len(fe) if fe else None,
        share_octave_errors=sum(x > 0.4 for x in ferr_rel) / len(ferr_rel) if ferr_rel else None,
        time_recall=tr_cov_t / tr_lab_t if tr_lab_t else None,
        time_precision=min(1.0, tr_cov_t / tr_ev_t) if tr_ev_t else None, recall_by=tr.out())
    summ["spasm_recall_by"] = sp.out()
    summ["confusion"] = {k: dict(v) for k, v in confusion.items()}
    tot_h = sum(act_hours.values())
    fph = {}
    for a in sorted(act_hours, key=lambda x: (x == "rest", x)):
        h = act_hours[a]
        fph[a] = dict(hours=h, counts=dict(act_false[a]), **{f"{k}_per_h": act_false[a][k] / h if h else None for k in KINDS})
    allc = {k: sum(act_false[a][k] for a in act_hours) for k in KINDS}
    fph["ALL"] = dict(hours=tot_h, counts=allc, **{f"{k}_per_h": allc[k] / tot_h if tot_h else None for k in KINDS})
    summ["false_per_hour_everyday"] = fph

    def quart(v):
        v = sorted(x for x in v if isinstance(x, (int, float)))
        return [v[len(v) // 4], v[len(v) // 2], v[(3 * len(v)) // 4]] if v else None

    desc = {}
    for k, lst in act_false_ev.items():
        desc[k] = dict(n=len(lst), duration_s_quartiles=quart([e["end_s"] - e["start_s"] for _, e in lst]),
                       peak_g_quartiles=quart([e.get("peak_g") for _, e in lst]),
                       confidence_quartiles=quart([e.get("confidence") for _, e in lst]))
        if k == "tremor":
            desc[k]["freq_hz_quartiles"] = quart([e.get("freq_hz") for _, e in lst])
            desc[k]["freq_hz_by_activity_median"] = {a: quart([e.get("freq_hz") for aa, e in lst if aa == a])[1]
                                                     for a in sorted({aa for aa, _ in lst})}
    summ["false_events_everyday_described"] = desc
    summ["everyday_files"] = dict(files=len(act_files), **{f"with_false_{k}": sum(f["false"][k] > 0 for f in act_files) for k in KINDS})
    fpm = defaultdict(lambda: [0.0, {k: 0 for k in KINDS}])
    for f in act_files:
        key = f"{f['model']} {rate_bin(f['fs'])} {f['placement']}"
        fpm[key][0] += f["hours"]
        for k in KINDS:
            fpm[key][1][k] += f["false"][k]
    summ["false_per_hour_by_sensor"] = {k: dict(hours=h, **{f"{kk}_per_h": c[kk] / h for kk in KINDS}) for k, (h, c) in sorted(fpm.items())}

    # ------------------------------------------------------------------ markdown
    L = ["# Independent simulator: TwitchWatch CLI score", ""]
    if args.command:
        L += [f"Command: `{args.command}`", ""]
    L += [f"Data: `{args.data}` (generate.py seed {man.get('seed')}), {len(metas)} recordings: event recordings "
          f"{ev_hours:.2f} h, everyday activity + idle rest {tot_h:.2f} h. CLI: `{args.bin}`; scoring wall time {wall:.0f} s.",
          "The data come from the notes and published physiology alone (ASSUMPTIONS.md); these figures are reported, "
          "never used to choose thresholds.", ""]
    if shifted:
        L += [f"**Time axis:** in {len(shifted)} recordings the CLI's event times were seconds since the first sample, not the "
              "input's time axis that docs/cli.md promises; they were shifted by the first `t` before scoring.", ""]
    else:
        L += ["Time axis: every file's events lie on the input's time axis, as docs/cli.md says "
              f"({sum(1 for m in metas if m['t_offset'] != 0)} files start at a large `t`).", ""]
    if errors:
        L += [f"**CLI errors on {len(errors)} files:** " + "; ".join(f"`{f}`: {e}" for f, e in errors[:8]), ""]
    if bad_lines:
        L += [f"{bad_lines} output lines were not valid JSON or were event lines without a known kind/time.", ""]
    L += ["## 1. Events in the event recordings (rest / held posture with labelled twitches, tremor, spasms)", "",
          "| class | labels | events | matched | precision | recall | F1 | fragments | unrelated false | precision forgiving fragments |",
          "|---|---|---|---|---|---|---|---|---|---|"]
    for k in KINDS:
        c = summ["classes"][k]
        ci = lambda x: f" [{fmt(x[0])}–{fmt(x[1])}]" if x[0] == x[0] else ""
        L.append(f"| {k} | {c['labels']} | {c['events']} | {c['matched']} | {fmt(c['precision'])}{ci(c['precision_ci95'])} | "
                 f"{fmt(c['recall'])}{ci(c['recall_ci95'])} | "
                 f"{fmt(c['f1'])} | {c['fragments']} | {c['unrelated_false']} | {fmt(c['precision_lenient'])} |")
    L += ["", "[95 % Wilson intervals.] Twitch: event start within ±150 ms of the labelled onset, one-to-one (optimal assignment). Tremor / spasm: "
          "any time overlap, one-to-one, largest overlap first. *Fragments*: further events of the same kind on an "
          "already matched label (false in precision). "
          f"{tw_excluded_gap} twitch labels that fall into lost samples are left out.", ""]
    if false_tw_where:
        L += ["Unmatched twitch events in the event recordings: " + ", ".join(f"{v} {k}" for k, v in false_tw_where.items()) + ".", ""]
    L += ["## 2. Twitch recall", "", "| split | recall (hit/labels) |", "|---|---|"]
    L += split_lines(summ["twitch_recall"], {"size relative to the local floor (3–30 Hz vector RMS)": REL_ORDER,
                                              "sample rate": RATE_ORDER, "size (peak at sensor)": ["2–5 mg", "5–10 mg", "10–20 mg", "20–50 mg"]})
    L += ["", "*Local floor*: vector RMS of the file's own samples, band-passed 3–30 Hz, over the 2.5 s before the twitch "
          "(other twitches cut out): sensor noise plus the wearer's resting floor as this sensor, rate and placement see it.", "",
          "Recall by sample rate (rows) and size relative to the local floor (columns):", "",
          "| rate | " + " | ".join(REL_ORDER[:-1]) + " |", "|---|" + "---|" * (len(REL_ORDER) - 1)]
    for rb in RATE_ORDER:
        cells = []
        for sb in REL_ORDER[:-1]:
            h, n = tw_rate_rel.get((rb, sb), (0, 0))
            cells.append(f"{fmt(h / n) if n else '–'} ({h}/{n})")
        L.append(f"| {rb} | " + " | ".join(cells) + " |")
    t = summ["tremor"]
    L += ["", "## 3. Tremor", "",
          f"Frequency error on matched bouts ({t['matched_with_freq']}): median {fmt(t['freq_err_median_hz'])} Hz, "
          f"90th percentile {fmt(t['freq_err_p90_hz'])} Hz, max {fmt(t['freq_err_max_hz'])} Hz; within 0.3 Hz "
          f"{fmt(t['share_within_0_3_hz'])}, within 0.5 Hz {fmt(t['share_within_0_5_hz'])}; off by > 40 % (harmonic / "
          f"sub-harmonic) {fmt(t['share_octave_errors'])}. Time coverage of labelled tremor: recall {fmt(t['time_recall'])}, "
          f"precision {fmt(t['time_precision'])}.", "", "| split | recall (hit/labels) |", "|---|---|"]
    L += split_lines(t["recall_by"], {"sample rate": RATE_ORDER})
    L += ["", "## 4. Spasm", "", "| split | recall (hit/labels) |", "|---|---|"]
    L += split_lines(summ["spasm_recall_by"], {"sample rate": RATE_ORDER})
    L += ["", "## 5. What the CLI reports on each label (event kinds overlapping it)", "",
          "| label | " + " | ".join(KINDS + ["(nothing)"]) + " |", "|---|" + "---|" * (len(KINDS) + 1)]
    for k in KINDS:
        L.append(f"| {k} | " + " | ".join(str(summ["confusion"][k].get(x, 0)) for x in KINDS + ["(nothing)"]) + " |")
    L += ["", "## 6. False events in everyday activity and idle rest (healthy wearers; every event is false)", "",
          "| activity | hours | false twitches / h | false tremor / h | false spasm / h | false tremor+spasm / h |",
          "|---|---|---|---|---|---|"]
    for a, x in fph.items():
        ts = (x["tremor_per_h"] or 0) + (x["spasm_per_h"] or 0)
        nm = f"**{a}**" if a == "ALL" else a
        L.append(f"| {nm} | {x['hours']:.2f} | {fmt(x['fasciculation_per_h'], 1)} | {fmt(x['tremor_per_h'])} | "
                 f"{fmt(x['spasm_per_h'])} | {fmt(ts)} |")
    if desc:
        L += ["", "What the false events in everyday data look like (quartiles 25/50/75 %, as the CLI reports them):", ""]
        for k, x in desc.items():
            q = lambda v, d=2: "/".join(fmt(float(y), d) for y in v) if v else "–"
            line = (f"- {k}: {x['n']} events; duration {q(x['duration_s_quartiles'])} s; peak {q(x['peak_g_quartiles'], 3)} g; "
                    f"confidence {q(x['confidence_quartiles'])}")
            if k == "tremor":
                line += (f"; frequency {q(x['freq_hz_quartiles'])} Hz (median by activity: " +
                         ", ".join(f"{a} {fmt(float(v))}" for a, v in x["freq_hz_by_activity_median"].items()) + ")")
            L.append(line)
    ef = summ["everyday_files"]
    L += ["", f"Everyday recordings with ≥ 1 false twitch / tremor / spasm: {ef['with_false_fasciculation']} / "
          f"{ef['with_false_tremor']} / {ef['with_false_spasm']} of {ef['files']}. An activity recording alternates the "
          "activity with idle rest; each event is counted in the segment holding its midpoint.", "",
          "By sensor (everyday recordings):", "", "| sensor, rate, placement | hours | twitch / h | tremor / h | spasm / h |",
          "|---|---|---|---|---|"]
    for k, x in summ["false_per_hour_by_sensor"].items():
        L.append(f"| {k} | {x['hours']:.2f} | {fmt(x['fasciculation_per_h'], 1)} | {fmt(x['tremor_per_h'])} | {fmt(x['spasm_per_h'])} |")
    L += ["", "## Reading this report", "",
          "- Everyday recordings are labelled event-free, and idle rest includes the wearer's normal 8–12 Hz physiological "
          "tremor (A11): a tremor event there counts as false.",
          "- Twitch sizes are drawn 2–50 mg *at the sensor* for both placements; the resting floor is calibrated on my reading "
          "of signals.md's \"2–7 mg sample-to-sample\" (RMS of consecutive differences, A12), which puts the 3–30 Hz floor at "
          "roughly 6–21 mg vector RMS (10th–90th percentile; 5–13 mg at a 104 Hz watch): most small twitches are below it, so read recall against the relative-size split.",
          "- Tremor and spasm counts are modest (tens); see the 95 % intervals. Everything the generator assumes, and my "
          "doubts about it, are in ASSUMPTIONS.md.", ""]
    with open(args.report, "w") as f:
        f.write("\n".join(L) + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(clean(summ), f, indent=1, allow_nan=False)
    print("\n".join(L))
    return 0


if __name__ == "__main__":
    sys.exit(main())
