#!/usr/bin/env python3
"""Scores the TwitchWatch CLI on recordings made by generate.py (independent second opinion).

Runs `$TW_BIN classify --input FILE.csv` on every recording in the manifest, keeps the `type == "event"`
lines (docs/cli.md) and compares them with the labels. The results are reported, never used to tune.

Usage: TW_BIN=/path/to/twitchwatch python score.py --data /tmp/indep-data --report report.md [--json summary.json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

KINDS = ["fasciculation", "tremor", "spasm"]
TWITCH_TOL = 0.150


def first_last_t(path):
    with open(path, "rb") as f:
        f.readline()
        t0 = float(f.readline().split(b",")[0])
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 400))
        t1 = float(f.read().strip().split(b"\n")[-1].split(b",")[0])
    return t0, t1


def run_cli(tw_bin, path):
    p = subprocess.run([tw_bin, "classify", "--input", path], capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip()[:300]
    ev = []
    for line in p.stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            o = json.loads(line)
        except json.JSONDecodeError:
            continue
        if o.get("type") == "event" and o.get("kind") in KINDS:
            ev.append(o)
    return ev, None


def overlap(a0, a1, b0, b1):
    return min(a1, b1) - max(a0, b0)


def match(labels, events, kind):
    """One-to-one greedy matching by overlap; returns (pairs, unmatched_events)."""
    tol = TWITCH_TOL if kind == "fasciculation" else 0.0
    cand = []
    for i, l in enumerate(labels):
        for j, e in enumerate(events):
            ov = overlap(l["start_s"] - tol, l["end_s"] + tol, e["start_s"], e["end_s"])
            if ov >= 0 and (ov > 0 or tol > 0):
                cand.append((ov, i, j))
    cand.sort(reverse=True)
    used_l, used_e, pairs = set(), set(), []
    for ov, i, j in cand:
        if i in used_l or j in used_e:
            continue
        used_l.add(i)
        used_e.add(j)
        pairs.append((i, j))
    return pairs, [j for j in range(len(events)) if j not in used_e]


def prf(tp, nl, ne):
    r = tp / nl if nl else float("nan")
    p = tp / ne if ne else float("nan")
    f = 2 * p * r / (p + r) if nl and ne and (p + r) > 0 else (0.0 if nl or ne else float("nan"))
    return p, r, f


def fmt(x, d=2):
    if x is None or (isinstance(x, float) and x != x):
        return "–"
    return f"{x:.{d}f}" if isinstance(x, float) else str(x)


def amp_bin(a):
    for lo, hi in [(2, 5), (5, 10), (10, 20), (20, 50.01)]:
        if lo <= a < hi:
            return f"{lo}–{int(hi)} mg"
    return "other"


def snr_bin(s):
    return "<3×" if s < 3 else "3–10×" if s < 10 else "≥10×"


def rate_bin(fs):
    return "≤60 Hz" if fs <= 60 else "61–110 Hz" if fs <= 110 else "200–250 Hz" if fs <= 260 else "400–500 Hz" if fs <= 520 else "800–1000 Hz"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--report", default="independent-report.md")
    ap.add_argument("--json", default=None)
    ap.add_argument("--bin", default=os.environ.get("TW_BIN", "twitchwatch"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--time-axis", choices=["auto", "input"], default="auto",
                    help="auto: if events come on an axis starting at the first sample, shift them (and report it)")
    args = ap.parse_args(argv)
    man = json.load(open(os.path.join(args.data, "manifest.json")))
    metas = [json.load(open(os.path.join(args.data, f[:-4] + ".labels.json"))) for f in man["files"]]

    with ThreadPoolExecutor(args.jobs) as ex:
        outs = list(ex.map(lambda m: run_cli(args.bin, os.path.join(args.data, m["file"])), metas))
    # docs/cli.md: event times are "seconds on the input's time axis". If a file's events instead lie on an
    # axis starting at its first sample, note it and shift them (mode auto), so the rest can still be scored.
    shifted = []
    for m, (ev, err) in zip(metas, outs):
        if not ev:
            continue
        t0, t1 = first_last_t(os.path.join(args.data, m["file"]))
        on_input = all(t0 - 1 <= e["start_s"] <= t1 + 1 for e in ev)
        on_rel = all(-1 <= e["start_s"] <= t1 - t0 + 1 for e in ev)
        if not on_input and on_rel and args.time_axis != "input":
            shifted.append(m["file"])
            for e in ev:
                e["start_s"] += t0
                e["end_s"] += t0

    errors = [(m["file"], err) for m, (ev, err) in zip(metas, outs) if ev is None]
    counts = {k: dict(tp=0, nl=0, ne=0) for k in KINDS}
    fragments = {k: 0 for k in KINDS}
    tw_split = defaultdict(lambda: defaultdict(lambda: [0, 0]))  # split -> value -> [hit, total]
    confusion = {k: defaultdict(int) for k in KINDS}  # label kind -> overlapping event kinds
    trem_ferr, trem_time_lab, trem_time_cov, trem_time_ev = [], 0.0, 0.0, 0.0
    trem_split = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    spasm_split = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    fp_event_files = {k: 0 for k in KINDS}
    rest_ev_seconds = 0.0
    act_hours = defaultdict(float)
    act_false = defaultdict(lambda: {k: 0 for k in KINDS})
    files_with_false = defaultdict(int)
    per_file = []

    for m, (ev, err) in zip(metas, outs):
        if ev is None:
            continue
        s = m["sensor"]
        if m["kind"] == "events":
            rest_ev_seconds += m["duration_s"]
            for k in KINDS:
                L = [l for l in m["events"] if l["kind"] == k]
                E = [e for e in ev if e["kind"] == k]
                pairs, un = match(L, E, k)
                counts[k]["tp"] += len(pairs)
                counts[k]["nl"] += len(L)
                counts[k]["ne"] += len(E)
                # fragments: unmatched events that overlap a label of their own kind
                for j in un:
                    e = E[j]
                    if any(overlap(l["start_s"], l["end_s"], e["start_s"], e["end_s"]) > 0 for l in L):
                        fragments[k] += 1
                    else:
                        fp_event_files[k] += 1
                hit = {i for i, _ in pairs}
                for i, l in enumerate(L):
                    ok = i in hit
                    if k == "fasciculation":
                        for split, val in [("amplitude", amp_bin(l["amplitude"])), ("shape", l["shape"]),
                                           ("ring-down", "yes" if l["ringdown"] else "no"),
                                           ("sample rate", rate_bin(s["fs"])), ("sensor", s["model"]),
                                           ("placement", s["placement"]), ("context", l["context"]),
                                           ("gyro in file", "yes" if s["has_gyro"] else "no"),
                                           ("SNR vs sensor noise", snr_bin(l["snr_sensor"])),
                                           ("SNR vs wearer's floor", snr_bin(l["snr_floor"]))]:
                            tw_split[split][val][0] += ok
                            tw_split[split][val][1] += 1
                        if l["snr_sensor"] >= 10:
                            tw_split["≥10× sensor noise, by shape"][l["shape"]][0] += ok
                            tw_split["≥10× sensor noise, by shape"][l["shape"]][1] += 1
                        if l["snr_floor"] >= 10:
                            tw_split["≥10× wearer's floor, by shape"][l["shape"]][0] += ok
                            tw_split["≥10× wearer's floor, by shape"][l["shape"]][1] += 1
                    elif k == "tremor":
                        for split, val in [("type", l["shape"]), ("size", "small (≤10 mg, ≤5 °/s)" if l["small"] else "larger"),
                                           ("frequency", "3–6 Hz" if l["freq_hz"] < 6 else "6–9 Hz" if l["freq_hz"] < 9 else "9–12.5 Hz"),
                                           ("sample rate", rate_bin(s["fs"])), ("placement", s["placement"]),
                                           ("gyro in file", "yes" if s["has_gyro"] else "no"),
                                           ("bout length", "<15 s" if l["end_s"] - l["start_s"] < 15 else "15–60 s" if l["end_s"] - l["start_s"] < 60 else "≥60 s")]:
                            trem_split[split][val][0] += ok
                            trem_split[split][val][1] += 1
                    else:
                        for split, val in [("type", l["shape"]), ("posture change", "yes" if l["posture_change"] else "no"),
                                           ("sample rate", rate_bin(s["fs"])), ("placement", s["placement"])]:
                            spasm_split[split][val][0] += ok
                            spasm_split[split][val][1] += 1
                if k == "tremor":
                    for i, j in pairs:
                        if "freq_hz" in E[j]:
                            trem_ferr.append(abs(E[j]["freq_hz"] - L[i]["freq_hz"]))
                    for l in L:
                        trem_time_lab += l["end_s"] - l["start_s"]
                        trem_time_cov += sum(max(0.0, overlap(l["start_s"], l["end_s"], e["start_s"], e["end_s"])) for e in E)
                    trem_time_ev += sum(e["end_s"] - e["start_s"] for e in E)
            for l in m["events"]:
                kinds = {e["kind"] for e in ev if overlap(l["start_s"] - (TWITCH_TOL if l["kind"] == "fasciculation" else 0),
                                                            l["end_s"] + (TWITCH_TOL if l["kind"] == "fasciculation" else 0),
                                                            e["start_s"], e["end_s"]) >= 0}
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
                nf[e["kind"]] += 1
            for k in KINDS:
                files_with_false[k] += nf[k] > 0
            per_file.append(dict(file=m["file"], main=m["main_activity"], model=s["model"], fs=round(s["fs"]), false=nf))

    n_act_files = len(per_file)
    summ = {"errors": errors, "classes": {}, "twitch_recall": {}, "tremor": {}, "spasm_recall": {}, "false_per_hour": {}}
    for k in KINDS:
        p, r, f = prf(counts[k]["tp"], counts[k]["nl"], counts[k]["ne"])
        summ["classes"][k] = dict(labels=counts[k]["nl"], events=counts[k]["ne"], tp=counts[k]["tp"], precision=p, recall=r,
                                  f1=f, fragments=fragments[k], unrelated_false=fp_event_files[k])
    summ["twitch_recall"] = {sp: {v: dict(hit=h, n=n, recall=h / n) for v, (h, n) in sorted(d.items())} for sp, d in tw_split.items()}
    summ["tremor"] = dict(freq_err_median=sorted(trem_ferr)[len(trem_ferr) // 2] if trem_ferr else None,
                          freq_err_max=max(trem_ferr) if trem_ferr else None,
                          freq_err_le_0_3=(sum(e <= 0.3 for e in trem_ferr) / len(trem_ferr)) if trem_ferr else None,
                          time_recall=trem_time_cov / trem_time_lab if trem_time_lab else None,
                          time_precision=min(1.0, trem_time_cov / trem_time_ev) if trem_time_ev else None,
                          recall_by={sp: {v: dict(hit=h, n=n, recall=h / n) for v, (h, n) in sorted(d.items())} for sp, d in trem_split.items()})
    summ["spasm_recall"] = {sp: {v: dict(hit=h, n=n, recall=h / n) for v, (h, n) in sorted(d.items())} for sp, d in spasm_split.items()}
    tot_h = sum(act_hours.values())
    for a in sorted(act_hours, key=lambda x: (x == "rest", x)):
        summ["false_per_hour"][a] = dict(hours=act_hours[a], **{k: act_false[a][k] / act_hours[a] for k in KINDS},
                                         counts=dict(act_false[a]))
    summ["false_per_hour"]["ALL"] = dict(hours=tot_h, **{k: sum(act_false[a][k] for a in act_hours) / tot_h if tot_h else 0 for k in KINDS})
    summ["files_with_false"] = dict(files=n_act_files, **files_with_false)
    summ["confusion"] = {k: dict(v) for k, v in confusion.items()}
    summ["event_recordings_hours"] = rest_ev_seconds / 3600

    # ------------------------------------------------------------------ markdown
    L = []
    L.append("# Independent simulator: TwitchWatch CLI score\n")
    L.append(f"Data: `{args.data}` (seed {man.get('seed')}), {len(metas)} recordings; event recordings "
             f"{summ['event_recordings_hours']:.2f} h, everyday activity + rest {tot_h:.2f} h. CLI: `{args.bin}`.")
    L.append("Generated from the notes alone; these figures are reported, never used to choose thresholds.\n")
    n_off = sum(1 for m in metas if m["t_offset"] != 0)
    if shifted:
        L.append(f"**Time axis:** in {len(shifted)} recordings (of {n_off} whose time column does not start at 0) the CLI's event "
                 "times are seconds since the first sample, not the input's time axis that docs/cli.md promises; "
                 "they were shifted by the first `t` before scoring (`--time-axis input` scores them as printed).\n")
    summ["time_axis_shifted"] = shifted
    if errors:
        L.append(f"**CLI errors on {len(errors)} files:** " + "; ".join(f"{f}: {e}" for f, e in errors[:5]) + "\n")
    L.append("## Events (event recordings: rest / posture with labelled twitches, tremor, spasms)\n")
    L.append("| class | labels | events | matched | precision | recall | F1 | extra fragments on a label | unrelated false |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for k in KINDS:
        c = summ["classes"][k]
        L.append(f"| {k} | {c['labels']} | {c['events']} | {c['tp']} | {fmt(c['precision'])} | {fmt(c['recall'])} | {fmt(c['f1'])} | {c['fragments']} | {c['unrelated_false']} |")
    L.append("\nTwitch match: overlap within ±150 ms; tremor/spasm: any overlap; one label matches at most one event "
             "(further events on the same label count as false in precision, shown as fragments).\n")
    L.append("## Twitch recall by split\n")
    for sp, d in summ["twitch_recall"].items():
        L.append(f"**{sp}**: " + ", ".join(f"{v} {fmt(x['recall'])} ({x['hit']}/{x['n']})" for v, x in d.items()) + "  ")
    L.append("\n## Tremor\n")
    t = summ["tremor"]
    L.append(f"Frequency error on matched bouts: median {fmt(t['freq_err_median'])} Hz, max {fmt(t['freq_err_max'])} Hz, "
             f"share ≤ 0.3 Hz {fmt(t['freq_err_le_0_3'])}. Time coverage: recall {fmt(t['time_recall'])}, precision {fmt(t['time_precision'])}.\n")
    for sp, d in t["recall_by"].items():
        L.append(f"**{sp}**: " + ", ".join(f"{v} {fmt(x['recall'])} ({x['hit']}/{x['n']})" for v, x in d.items()) + "  ")
    L.append("\n## Spasm recall by split\n")
    for sp, d in summ["spasm_recall"].items():
        L.append(f"**{sp}**: " + ", ".join(f"{v} {fmt(x['recall'])} ({x['hit']}/{x['n']})" for v, x in d.items()) + "  ")
    L.append("\n## What overlaps each label (event kinds seen on it)\n")
    L.append("| label | " + " | ".join(KINDS + ["(nothing)"]) + " |")
    L.append("|---|" + "---|" * (len(KINDS) + 1))
    for k in KINDS:
        L.append(f"| {k} | " + " | ".join(str(summ["confusion"][k].get(x, 0)) for x in KINDS + ["(nothing)"]) + " |")
    L.append("\n## False events per hour, everyday activities and rest (healthy; nothing should be flagged)\n")
    L.append("| activity | hours | twitch/h | tremor/h | spasm/h |")
    L.append("|---|---|---|---|---|")
    for a, x in summ["false_per_hour"].items():
        L.append(f"| {a} | {x['hours']:.2f} | {x['fasciculation']:.1f} | {x['tremor']:.2f} | {x['spasm']:.2f} |")
    fw = summ["files_with_false"]
    L.append(f"\nActivity recordings with ≥1 false twitch / tremor / spasm: {fw['fasciculation']} / {fw['tremor']} / {fw['spasm']} of {fw['files']}.\n")
    L.append("## Targets of issue 13 on this data\n")
    c = summ["classes"]
    s10 = summ["twitch_recall"].get("≥10× sensor noise, by shape", {})
    fh = summ["false_per_hour"]["ALL"]
    L.append("| target | measured | met |")
    L.append("|---|---|---|")
    mn = min((x["recall"] for x in s10.values()), default=float("nan"))
    L.append(f"| twitch ≥10× noise recall ≥ 0.90 at every shape | min over shapes {fmt(mn)} | {'yes' if mn >= 0.9 else 'no'} |")
    L.append(f"| twitch precision ≥ 0.85 | {fmt(c['fasciculation']['precision'])} | {'yes' if (c['fasciculation']['precision'] or 0) >= 0.85 else 'no'} |")
    L.append(f"| tremor F1 ≥ 0.95 | {fmt(c['tremor']['f1'])} | {'yes' if (c['tremor']['f1'] or 0) >= 0.95 else 'no'} |")
    fe = t["freq_err_median"]
    L.append(f"| tremor frequency error ≤ 0.3 Hz (median) | {fmt(fe)} | {'yes' if fe is not None and fe <= 0.3 else 'no'} |")
    L.append(f"| spasm F1 ≥ 0.90 | {fmt(c['spasm']['f1'])} | {'yes' if (c['spasm']['f1'] or 0) >= 0.9 else 'no'} |")
    L.append(f"| ≤ 0.2 false tremor+spasm / h | {fh['tremor'] + fh['spasm']:.2f} | {'yes' if fh['tremor'] + fh['spasm'] <= 0.2 else 'no'} |")
    L.append(f"| ≤ 2 false twitches / h | {fh['fasciculation']:.1f} | {'yes' if fh['fasciculation'] <= 2 else 'no'} |")
    with open(args.report, "w") as f:
        f.write("\n".join(L) + "\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summ, f, indent=1, default=lambda x: None)
    print("\n".join(L))
    return 0


if __name__ == "__main__":
    sys.exit(main())
