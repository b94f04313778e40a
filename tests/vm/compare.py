"""The System.Device.Gpio comparison of the VM tier, from the files guest-compare.sh left in <results>/compare.

Per contender (compare/<name>/): handler.txt ("handler_ns kernel_ts_ns line_seqno lost_before" per callback
on the edge line; zeros where the contender cannot know), phase-<p>.log ("index before_ns after_ns" per
stimulus write), phase-<p>.txt (the stimulus's STIMULUS: line), phases.txt (warmup=N), handler.txt.idle.

Every handler record belongs to the phase during whose window it ran (a phase's window runs from its first
write to the next phase's first write; the script pauses between phases so a slow contender catches up).

- write->handler latency (paced phase, warm-up writes left out): handler time minus the start of the latest
  write before it. edge->handler (kernel timestamp) where the contender has one.
- loss per phase: generated = the stimulus's writes. A contender with line seqnos knows how many events the
  kernel produced (the seqno advance over the phase) and how many it lost (seqno gaps, counted); gpio-sim
  merges writes that come faster than its interrupt work runs, before any reader, so
  merged = generated - kernel events, and silent = kernel events - received - counted (must be 0).
  A contender without seqnos only shows missing = generated - received; its silent loss is at least
  missing minus the most merges any seqno contender saw in the same phase (gpio-sim merges depend on the
  stimulus's pace, not on the reader; they vary a little from run to run, so this is a lower bound).
- lossless rate: the highest achieved rate of a rate phase (and the burst) with nothing lost.
"""
import bisect
import os
import re

CONTENDERS = {
    "c": "C reader (uAPI v2, poll+read)",
    "dpcpi-reader": "DpcPi reader (uAPI v2, C#)",
    "dpcpi-driver": "DpcPi GpioDriver (ISR->DPC)",
    "libgpiod": "SDG LibGpiodDriver (libgpiod v1)",
    "sysfs": "SDG SysFsDriver",
}
SEQNO_CONTENDERS = ("c", "dpcpi-reader", "dpcpi-driver")
RUNTIME_THREADS = (".NET_Tiered_Com", ".NET_Finalizer")


IDLE_LINES_NOTE = ("idle: context switches/s of the contender's threads with its lines open (8 by default) and no "
                   "edges, 2 s, leaving out the .NET runtime's JIT and finalizer threads")


def _pct(s, p):
    if not s:
        return 0
    return s[min(max(int(-(-p * len(s) // 100)) - 1, 0), len(s) - 1)]


def _stats(samples):
    s = sorted(samples)
    if not s:
        return None
    return {"count": len(s), "p50_ns": _pct(s, 50), "p99_ns": _pct(s, 99), "max_ns": s[-1]}


def _read_rows(path, width):
    rows = []
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) >= width:
                    rows.append([int(x) for x in p[:width]])
    except (OSError, ValueError):
        return None
    return rows


def _phase_order(names):
    def key(n):
        if n == "paced":
            return (0, 0)
        if n.startswith("rate-"):
            return (1, int(n[5:]))
        return (2, 0)
    return sorted(names, key=key)


def analyze_contender(d):
    handler = _read_rows(os.path.join(d, "handler.txt"), 4)
    if handler is None:
        return None
    warmup = 0
    try:
        with open(os.path.join(d, "phases.txt")) as f:
            m = re.search(r"warmup=(\d+)", f.read())
            warmup = int(m.group(1)) if m else 0
    except OSError:
        pass
    idle, idle_threads = None, {}
    try:
        with open(os.path.join(d, "handler.txt.idle")) as f:
            text = f.read()
        m = re.search(r"idle_wakeups_per_s=([\d.]+)", text)
        idle = float(m.group(1)) if m else None
        m = re.search(r"threads=(\S+)", text)
        for part in (m.group(1).split(";") if m else []):
            n, _, v = part.rpartition(":")
            idle_threads[n] = round(idle_threads.get(n, 0) + float(v), 1)
    except (OSError, ValueError):
        pass
    # The runtime's JIT (tiered compilation still at work) and finalizer threads are nobody's wait loop.
    own = None if idle is None else max(0.0, round(idle - sum(v for n, v in idle_threads.items() if n in RUNTIME_THREADS), 1))
    phases = {}
    for fn in os.listdir(d):
        m = re.fullmatch(r"phase-(.+)\.log", fn)
        if m:
            w = _read_rows(os.path.join(d, fn), 3)
            if w:
                phases[m.group(1)] = w
    order = _phase_order(phases)
    starts = [phases[p][0][1] for p in order]
    handler.sort(key=lambda r: r[0])
    has_seqno = any(r[2] for r in handler)
    out = {"idle_wakeups_per_s": idle, "idle_wakeups_per_s_without_runtime": own, "idle_threads": idle_threads,
           "phases": {}, "seqnos": has_seqno}
    last_seq = 0
    hi = 0
    for i, name in enumerate(order):
        writes = phases[name]
        end = starts[i + 1] if i + 1 < len(order) else float("inf")
        lo = hi
        while hi < len(handler) and handler[hi][0] < end:
            hi += 1
        mine = [r for r in handler[lo:hi] if r[0] >= writes[0][1]]
        early = hi - lo - len(mine)  # a handler that ran before the phase's first write: belongs to no write
        gen = len(writes)
        span = (writes[-1][1] - writes[0][1]) / 1e9 if gen > 1 else 0
        ph = {"generated": gen, "received": len(mine), "achieved_per_s": round((gen - 1) / span) if span > 0 else None}
        if early:
            ph["unmatched"] = early
        if has_seqno and mine:
            seq_end = mine[-1][2]
            kernel = seq_end - last_seq
            counted = sum(r[3] for r in mine)
            last_seq = seq_end
            ph.update({"kernel_events": kernel, "merged": gen - kernel, "lost_counted": counted,
                       "silent": kernel - len(mine) - counted})
        else:
            ph["missing"] = gen - len(mine)
        if name == "paced":
            before = [w[1] for w in writes]
            lat, edge = [], []
            for r in mine:
                k = bisect.bisect_right(before, r[0]) - 1
                if k >= warmup:
                    lat.append(r[0] - before[k])
                    if r[1]:
                        edge.append(r[0] - r[1])
            ph["write_to_handler"] = _stats(lat)
            if edge:
                ph["edge_to_handler"] = _stats(edge)
            ph["warmup"] = warmup
        out["phases"][name] = ph
    return out


def analyze(results):
    base = os.path.join(results, "compare")
    res = {}
    extra = sorted(n for n in (os.listdir(base) if os.path.isdir(base) else []) if n not in CONTENDERS)
    for name in list(CONTENDERS) + extra:
        d = os.path.join(base, name)
        if os.path.isdir(d):
            a = analyze_contender(d)
            if a:
                res[name] = a
    # the most merges a seqno contender saw per phase: what a no-seqno contender's "missing" may hold of merges
    for name, a in res.items():
        for pname, ph in a["phases"].items():
            if "missing" in ph:
                seen = [b["phases"][pname]["merged"] for b in res.values() if "merged" in b["phases"].get(pname, {})]
                ph["merged_reference"] = max(seen) if seen else 0
                ph["silent_estimate"] = max(0, ph["missing"] - ph["merged_reference"])
    for name, a in res.items():
        best = None
        for pname, ph in a["phases"].items():
            if pname == "paced":
                continue
            lost = ph.get("silent", ph.get("silent_estimate", 0)) + ph.get("lost_counted", 0)
            if lost == 0 and ph.get("achieved_per_s") and (best is None or ph["achieved_per_s"] > best):
                best = ph["achieved_per_s"]
        a["lossless_up_to_per_s"] = best
        a["silent_total"] = sum(ph.get("silent", ph.get("silent_estimate", 0)) for ph in a["phases"].values())
    return res


def table(res, busy_note=None, emulated=True):
    """Summary lines: latency on paced edges, loss per phase, idle cost."""
    if not res:
        return []
    out = ["System.Device.Gpio comparison (same stimulus phases for each contender in turn"
           + ("; EMULATED: ratios only)" if emulated else ")")]
    if busy_note:
        out.append(f"  host busy during the comparison: latency ratios INCONCLUSIVE ({busy_note})")
    ref = (res.get("libgpiod") or {}).get("phases", {}).get("paced", {}).get("write_to_handler")
    out.append(f"  {'write->handler, paced (ns)':34} {'count':>6} {'p50':>9} {'p99':>9} {'max':>10} {'p50/libgpiod':>12}  {'idle wakeups/s*':>15}")
    for name, a in res.items():
        label = CONTENDERS.get(name, "  " + name)
        st = a["phases"].get("paced", {}).get("write_to_handler")
        idle = "-" if a["idle_wakeups_per_s"] is None else f"{a['idle_wakeups_per_s_without_runtime']:.1f}"
        if not st:
            out.append(f"  {label:34} {'-':>6}{'':>43}  {idle:>15}")
            continue
        r = f"{st['p50_ns'] / ref['p50_ns']:.2f}" if ref and ref.get("p50_ns") else "-"
        out.append(f"  {label:34} {st['count']:>6} {st['p50_ns']:>9} {st['p99_ns']:>9} {st['max_ns']:>10} {r:>12}  {idle:>15}")
    out.append(f"  * {IDLE_LINES_NOTE}")
    phases = []
    for a in res.values():
        for p in a["phases"]:
            if p != "paced" and p not in phases:
                phases.append(p)
    phases = _phase_order(phases)
    out.append("  loss: received/generated, then lost (c = counted by the contender, s = silent, s>= = silent at least:")
    out.append("        a contender without seqnos, its missing edges less the most merges gpio-sim made for a seqno contender)")
    out.append(f"  {'':34} " + " ".join(f"{p:>17}" for p in phases) + f" {'lossless to':>12}")
    for name, a in res.items():
        label = CONTENDERS.get(name, "  " + name)
        cells = []
        for p in phases:
            ph = a["phases"].get(p)
            if not ph:
                cells.append(f"{'-':>17}")
                continue
            if "silent" in ph:
                lost = f"c{ph['lost_counted']} s{ph['silent']}"
            else:
                lost = f"s>={ph['silent_estimate']}"
            cells.append(f"{str(ph['received']) + '/' + str(ph['generated']) + ' ' + lost:>17}")
        best = a.get("lossless_up_to_per_s")
        out.append(f"  {label:34} " + " ".join(cells) + f" {(str(best) + '/s') if best else 'none':>12}")
    rates = []
    for p in phases:
        got = [a["phases"][p]["achieved_per_s"] for a in res.values() if p in a["phases"] and a["phases"][p].get("achieved_per_s")]
        if got:
            rates.append(f"{p} {min(got)}-{max(got)}/s")
    if rates:
        out.append("  achieved stimulus rates: " + ", ".join(rates))
    return out


if __name__ == "__main__":
    import json
    import sys
    if len(sys.argv) != 2:
        sys.exit("usage: compare.py <results-dir>   (the dir holding compare/<contender>/)")
    result = analyze(sys.argv[1])
    print("\n".join(table(result, emulated=False)))
    with open(os.path.join(sys.argv[1], "sdg-comparison.json"), "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
