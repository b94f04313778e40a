#!/usr/bin/env python3
"""Summarise a DpcPi VM-tier run from the files the guest wrote into the results dir.

usage: summarize.py <results-dir> --status ran|skipped|unfinished --wall <s> [--reason R]
                    [--expect step ...] [--skip name=reason ...] [--note text ...]

Writes <results-dir>/summary.txt and <results-dir>/vm-result.json, prints the summary; the last
stdout line is "vm: N passed, N failed[, N skipped]". Exit 0 all passed, 1 any failure, 3 skipped.
"""
import argparse
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

ap = argparse.ArgumentParser()
ap.add_argument("results")
ap.add_argument("--status", required=True, choices=["ran", "skipped", "unfinished"])
ap.add_argument("--wall", type=float, default=0.0)
ap.add_argument("--reason", default="")
ap.add_argument("--expect", nargs="*", default=[])
ap.add_argument("--skip", nargs="*", default=[])
ap.add_argument("--note", nargs="*", default=[])
ap.add_argument("--fail-name", default="guest")
ap.add_argument("--skipped-count", type=int, default=1)
a = ap.parse_args()
R = a.results
tests = []  # {"name", "outcome": passed|failed|skipped, "message"}


def add(name, outcome, message=""):
    tests.append({"name": name, "outcome": outcome, "message": message})


def load_json(name):
    p = os.path.join(R, name)
    try:
        with open(p) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


steps = {}
try:
    with open(os.path.join(R, "steps.txt")) as f:
        for line in f:
            m = re.match(r"STEP (\S+) rc=(\d+) seconds=(\S+)", line)
            if m:
                steps[m.group(1)] = (int(m.group(2)), float(m.group(3)))
except OSError:
    pass

if a.status == "skipped":
    add(f"vm-tier ({a.skipped_count} tests not run)", "skipped", a.reason)
else:
    for step in a.expect:
        if step not in steps:
            add(step, "failed", "step did not run/finish in the guest" + (f" ({a.reason})" if a.reason else ""))
            continue
        rc, secs = steps[step]
        xml = os.path.join(R, step + ".xml")
        if step.endswith("-tests"):
            counted = 0
            if os.path.exists(xml):
                try:
                    for t in ET.parse(xml).getroot().iter("test"):
                        res = t.get("result", "")
                        outcome = {"Pass": "passed", "Fail": "failed", "Skip": "skipped"}.get(res, "failed")
                        msg = ""
                        if outcome == "failed":
                            m = t.find("./failure/message")
                            msg = (m.text or "").strip().splitlines()[0] if m is not None and m.text else res
                        elif outcome == "skipped":
                            r = t.find("./reason")
                            msg = (r.text or "").strip() if r is not None else ""
                        add(f"{step}: {t.get('name')}", outcome, msg)
                        counted += 1
                except ET.ParseError as e:
                    add(step, "failed", f"unreadable {xml}: {e}")
            else:
                add(step, "failed", f"no result file (rc={rc}); see {step}.log")
            failed_in_xml = any(t["outcome"] == "failed" for t in tests if t["name"].startswith(step + ":"))
            if rc != 0 and not failed_in_xml:
                add(step, "failed", f"test runner exited rc={rc} without a failed test; see {step}.log")
            if counted == 0 and rc == 0:
                add(step, "skipped", "no Category=Kernel tests found in the assembly")
        else:
            doc = load_json(step + ".json")
            if rc == 0 and doc is not None:
                add(step, "passed", f"{secs:.1f}s")
            else:
                add(step, "failed", f"rc={rc}, json {'present' if doc else 'missing'}; see {step}.txt")
    if a.status == "unfinished":
        add(a.fail_name, "failed", a.reason or "the guest did not finish")
for s in a.skip:
    name, _, why = s.partition("=")
    add(name, "skipped", why)

passed = sum(t["outcome"] == "passed" for t in tests)
failed = sum(t["outcome"] == "failed" for t in tests)
skipped = sum(t["outcome"] == "skipped" for t in tests)
if a.status == "skipped":
    skipped = max(skipped, a.skipped_count)

# Latency comparison: C# / C ratios (emulated figures: only the ratios mean anything).
lat = {}
cli = load_json("cli-latency.json")


def pct(sorted_samples, p):
    n = len(sorted_samples)
    if n == 0:
        return 0
    i = min(max(int(-(-p * n // 100)) - 1, 0), n - 1)  # nearest rank
    return sorted_samples[i]


def pooled(prefix):
    """Pools the samples of every round (<prefix>-N.json) of one reader."""
    docs = []
    for fn in sorted(os.listdir(R)):
        if re.fullmatch(re.escape(prefix) + r"-\d+\.json", fn):
            d = load_json(fn)
            if d:
                docs.append(d)
    samples = sorted(x for d in docs for x in d.get("samples_ns", []))
    if not samples:
        return None, docs
    return {"count": len(samples), "rounds": len(docs), "min_ns": samples[0], "p50_ns": pct(samples, 50),
            "p99_ns": pct(samples, 99), "max_ns": samples[-1]}, docs


def stage(doc, key):
    if not doc:
        return None
    s = doc.get(key) or (doc.get("stages") or {}).get(key)
    return s if isinstance(s, dict) and s.get("p50_ns") is not None else None


cst, c_docs = pooled("c-reader")
csst, cs_docs = pooled("cs-reader")
rows = []
if cst:
    lat["c"] = cst
    rows.append(("C reader (floor) edge->handler", cst))
for name, label, st in [("csharp", "C# direct reader edge->handler", csst),
                        ("cli_edge_to_isr", "dpcpi latency edge_to_isr", stage(cli, "edge_to_isr")),
                        ("cli_edge_to_dpc_start", "dpcpi latency edge_to_dpc_start", stage(cli, "edge_to_dpc_start"))]:
    if st:
        entry = dict(st)
        if cst and cst.get("p50_ns") and cst.get("p99_ns"):
            entry["ratio_p50_vs_c"] = round(st["p50_ns"] / cst["p50_ns"], 2)
            entry["ratio_p99_vs_c"] = round(st["p99_ns"] / cst["p99_ns"], 2)
        lat[name] = entry
        rows.append((label, entry))
per_round = []
for name, docs in (("C", c_docs), ("C#", cs_docs)):
    for i, d in enumerate(docs, 1):
        e = d.get("edge_to_handler", {})
        per_round.append(f"  {name} round {i}: p50={e.get('p50_ns')} p99={e.get('p99_ns')} max={e.get('max_ns')} "
                         f"generated={d.get('generated')} delivered={d.get('delivered')} lost={d.get('lost')} merged={d.get('merged')}")
if cli:
    per_round.append(f"  dpcpi latency: lost={cli.get('lost', '-')} merged={cli.get('merged', '-')}")

status = "skipped" if a.status == "skipped" else ("failed" if failed else "passed")
out = []
out.append("=" * 72)
out.append(f"DpcPi VM tier (gpio-sim on a real Linux kernel under qemu TCG): {status.upper()}")
if a.status == "skipped":
    out.append(f"VM TIER SKIPPED: {a.reason}")
try:
    with open(os.path.join(R, "guest.txt")) as f:
        out.append("guest: " + ", ".join(l.strip() for l in f if l.strip()))
except OSError:
    pass
out.append(f"wall time: {a.wall:.1f} s")
for n in a.note:
    out.append(f"note: {n}")
out.append("-" * 72)
for t in tests:
    mark = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}[t["outcome"]]
    out.append(f"  {mark}  {t['name']}" + (f"  -- {t['message']}" if t["message"] and t["outcome"] != "passed" else ""))
if rows:
    out.append("-" * 72)
    out.append("edge->handler latency (ns). EMULATED (qemu TCG): NOT Raspberry Pi figures -- only the C#/C ratios count.")
    out.append("(pooled over all rounds; C and C# alternate order each round)")
    out.append(f"  {'':34} {'count':>6} {'p50':>10} {'p99':>10} {'max':>11}  {'p50/C':>6} {'p99/C':>6}")
    for label, st in rows:
        r50 = f"{st['ratio_p50_vs_c']:.2f}" if "ratio_p50_vs_c" in st else "-"
        r99 = f"{st['ratio_p99_vs_c']:.2f}" if "ratio_p99_vs_c" in st else "-"
        out.append(f"  {label:34} {st.get('count', 0):>6} {st['p50_ns']:>10} {st['p99_ns']:>10} {st.get('max_ns', 0):>11}  {r50:>6} {r99:>6}")
    if "csharp" in lat and "ratio_p50_vs_c" in lat["csharp"]:
        out.append(f"RATIO C#/C edge->handler: p50 {lat['csharp']['ratio_p50_vs_c']:.2f}x, p99 {lat['csharp']['ratio_p99_vs_c']:.2f}x (emulated; ratios only)")
    for k in ("cli_edge_to_isr", "cli_edge_to_dpc_start"):
        if k in lat and "ratio_p50_vs_c" in lat[k]:
            out.append(f"RATIO dpcpi {k[4:]}/C: p50 {lat[k]['ratio_p50_vs_c']:.2f}x, p99 {lat[k]['ratio_p99_vs_c']:.2f}x")
    out.extend(per_round)
out.append("=" * 72)
final = f"vm: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
text = "\n".join(out)
with open(os.path.join(R, "summary.txt"), "w") as f:
    f.write(text + "\n" + final + "\n")
with open(os.path.join(R, "vm-result.json"), "w") as f:
    json.dump({"tier": "vm", "status": status, "reason": a.reason, "passed": passed, "failed": failed,
               "skipped": skipped, "wall_seconds": round(a.wall, 1), "tests": tests,
               "latency_emulated_ns": lat,
               "latency_note": "qemu TCG emulation: absolute numbers are not Raspberry Pi figures; compare ratios"},
              f, indent=2)
    f.write("\n")
print(text)
print(final)
sys.exit(3 if status == "skipped" else (1 if failed else 0))
