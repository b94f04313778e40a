using System.Globalization;
using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Measurement;

/// <summary>
/// Takes one late interrupt apart from a frozen flight-recorder window: its ISR is found by vector and cycle on the
/// ISR thread's track, and the time from edge to DPC start is split, in order, into what the ISR thread was doing
/// before the ISR ran (other vectors, the DPCs it runs), the OS waking it, the ISR itself, the DPCs and ISRs that ran
/// ahead of the DPC on the thread that ran it, and the rest of the queue wait (a sleeping worker's wake-up, or the
/// dispatch of a running one). The parts add up to the whole; what overlaps them (time runnable without running,
/// page faults, steal, GCs) comes from <see cref="OutlierContext"/>.
/// </summary>
internal static class LatencyAttributor
{
    /// <summary>Names kept per part (the DPCs or vectors that took the most of it).</summary>
    private const int NamesPerPart = 3;

    public static OutlierAttribution? Analyze(FlightWindow window, OutlierContext context)
    {
        if (window.Culprit is not { Kind: FlightEventKind.Dpc } c)
        {
            return null;
        }

        var isrTrack = window.Tracks[0];
        var isrCpu = isrTrack.Events.Length > 0 ? isrTrack.Events[^1].Cpu : -1;
        FlightEvent? isr = null;
        if (c.Interrupt is not null)
        {
            for (var i = isrTrack.Events.Length - 1; i >= 0; i--)
            {
                var e = isrTrack.Events[i];
                if (ReferenceEquals(e.Interrupt, c.Interrupt) && e.Cycle == c.Cycle && e.StartNs <= c.StartNs)
                {
                    isr = e;
                    break;
                }
            }
        }

        var edge = c.EventNs;
        var start = c.StartNs;
        // Without its ISR in the window (a DPC queued from elsewhere, or overwritten), the ISR's part is unknown:
        // everything up to the queueing counts as the wait before it, everything after as the queue wait.
        var entry = isr?.StartNs ?? Math.Clamp(c.QueuedNs, edge, start);
        var exit = isr?.EndNs ?? entry;
        entry = Math.Clamp(entry, edge, start);
        var t0 = Math.Clamp(exit, entry, start);

        // The ISR thread's other work: every ISR but this one, and the DPC runs it made itself.
        var isrThreadWork = new List<(long From, long To, string Name, bool IsIsr)>();
        foreach (var e in isrTrack.Events)
        {
            if (!(isr is { } me && ReferenceEquals(e.Interrupt, me.Interrupt) && e.Cycle == me.Cycle))
            {
                isrThreadWork.Add((e.StartNs, e.EndNs, $"ISR {e.Interrupt?.Name ?? "?"}", true));
            }
        }

        foreach (var t in window.Tracks.Skip(1))
        {
            foreach (var e in t.Events)
            {
                if (e.OnIsrThread && !IsCulprit(e, c))
                {
                    isrThreadWork.Add((e.StartNs, e.EndNs, e.Dpc?.Name ?? "?", false));
                }
            }
        }

        var parts = new List<CauseShare>();
        var (busyBefore, namesBefore) = Covered(isrThreadWork, edge, entry);
        parts.Add(new CauseShare(LatencyCause.IsrWake, entry - edge - busyBefore, []));
        parts.Add(new CauseShare(LatencyCause.IsrQueueing, busyBefore, namesBefore));
        parts.Add(new CauseShare(LatencyCause.IsrDuration, t0 - entry, []));

        // After the ISR, on the thread that ran the DPC: the lane's other runs (whoever drained it: drainers take
        // turns), and ISRs when the ISR thread ran it or shares the worker's core.
        var culpritTrack = window.Tracks[window.CulpritTrack];
        var dpcsAhead = culpritTrack.Events
            .Where(e => !IsCulprit(e, c))
            .Select(e => (e.StartNs, e.EndNs, e.Dpc?.Name ?? "?", false));
        if (c.OnIsrThread)
        {
            dpcsAhead = dpcsAhead.Concat(isrThreadWork.Where(w => !w.IsIsr).Select(w => (w.From, w.To, w.Name, false)));
        }

        var (dpcBusy, dpcNames) = Covered([.. dpcsAhead], t0, start);
        List<(long From, long To, string Name, bool IsIsr)> isrsAhead = c.OnIsrThread || c.Cpu == isrCpu ? [.. isrThreadWork.Where(w => w.IsIsr)] : [];
        var (isrBusy, isrNames) = Covered(isrsAhead, t0, start);
        var rest = Math.Max(0, start - t0 - dpcBusy - isrBusy);
        var overlap = Math.Max(0, dpcBusy + isrBusy - (start - t0)); // both cannot run at once on one core; trim any rounding
        parts.Add(new CauseShare(LatencyCause.DpcQueueing, dpcBusy - overlap, dpcNames));
        parts.Add(new CauseShare(LatencyCause.IsrPreemption, isrBusy, isrNames));
        parts.Add(new CauseShare(c.WorkerWoke ? LatencyCause.WorkerWakeup : LatencyCause.Dispatch, rest, []));

        var attribution = new OutlierAttribution(
            c.Cycle,
            c.Cpu,
            c.Dpc?.Name ?? "?",
            c.Interrupt?.Name,
            start - edge,
            c.OnIsrThread,
            c.WorkerWoke,
            parts,
            context,
            string.Empty);
        return attribution with { Cause = Explain(attribution) };
    }

    /// <summary>Sums the analysed outliers into a run's attribution.</summary>
    public static AttributionSummary Summarize(long thresholdNs, long analysed, long missed, IReadOnlyList<OutlierAttribution> detailed, long[] totals, Dictionary<string, long> culprits, ThreadTimes run)
    {
        var parts = Enum.GetValues<LatencyCause>().Select(k => new CauseShare(k, totals[(int)k], [])).ToArray();
        var top = culprits.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(5).Select(kv => new NamedTime(kv.Key, kv.Value)).ToArray();
        var sum = parts.Sum(p => p.Ns);
        string cause;
        if (analysed == 0)
        {
            cause = $"No interrupt reached the analysis threshold of {Us(thresholdNs)} µs.";
        }
        else
        {
            var worst = parts.MaxBy(p => p.Ns)!;
            cause = $"Over {analysed} late interrupt{(analysed == 1 ? string.Empty : "s")}, most of the delay ({AttributionSummary.Percent(worst.Ns, sum):0}%) was {Plain(worst.Cause)}";
            cause += top.Length > 0 && worst.Cause is LatencyCause.DpcQueueing or LatencyCause.IsrQueueing or LatencyCause.IsrPreemption ? $"; the most time ahead of them went to {top[0].Name}." : ".";
        }

        return new AttributionSummary(thresholdNs, analysed, missed, parts, top, detailed, run.RunnableWaitNs, run.MinorFaults, run.MajorFaults, cause);
    }

    private static bool IsCulprit(in FlightEvent e, in FlightEvent c) =>
        e.Kind == FlightEventKind.Dpc && ReferenceEquals(e.Dpc, c.Dpc) && e.StartNs == c.StartNs && e.Cycle == c.Cycle;

    /// <summary>How much of [from, to) the intervals cover (their union), and who covered most of it.</summary>
    private static (long Ns, IReadOnlyList<NamedTime> Names) Covered(List<(long From, long To, string Name, bool IsIsr)> intervals, long from, long to)
    {
        if (to <= from)
        {
            return (0, []);
        }

        var clipped = intervals
            .Select(i => (From: Math.Max(i.From, from), To: Math.Min(i.To, to), i.Name))
            .Where(i => i.To > i.From)
            .OrderBy(i => i.From)
            .ToList();
        long covered = 0;
        var reach = from;
        var byName = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (f, t, name) in clipped)
        {
            var a = Math.Max(f, reach);
            if (t > a)
            {
                covered += t - a;
                byName[name] = byName.GetValueOrDefault(name) + (t - a);
                reach = t;
            }
        }

        var names = byName.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(NamesPerPart).Select(kv => new NamedTime(kv.Key, kv.Value)).ToArray();
        return (covered, names);
    }

    /// <summary>The one-line cause: the largest part in plain words, sharpened by what the context saw.</summary>
    private static string Explain(OutlierAttribution a)
    {
        var worst = a.Parts.MaxBy(p => p.Ns)!;
        var ctx = a.Context;
        var us = Us(worst.Ns);
        var who = worst.Culprits.Count > 0 ? string.Join(", ", worst.Culprits.Select(n => $"{n.Name} {Us(n.Ns)} µs")) : null;
        var text = worst.Cause switch
        {
            LatencyCause.IsrWake when ctx.IsrThreadRunnableNs >= worst.Ns / 2 =>
                $"the ISR thread was ready to run but waited for its CPU ({Us(ctx.IsrThreadRunnableNs)} µs runnable without running nearby): another task held that core",
            LatencyCause.IsrWake when ctx.StealPercent > 0 =>
                $"the ISR thread was woken {us} µs after the event while the hypervisor took {ctx.StealPercent:0.#}% of the CPU (steal)",
            LatencyCause.IsrWake => $"the OS took {us} µs to wake the ISR thread after the event (interrupt handling and scheduling below DpcPi)",
            LatencyCause.IsrQueueing => $"the ISR thread was busy with other work when the event came ({who})",
            LatencyCause.IsrDuration => $"its own ISR ran {us} µs",
            LatencyCause.DpcQueueing => $"it waited {us} µs behind other DPCs ({who})",
            LatencyCause.IsrPreemption => $"other ISRs ran ahead of it ({who})",
            LatencyCause.WorkerWakeup when ctx.DpcThreadRunnableNs >= worst.Ns / 2 =>
                $"its DPC worker was asleep and, once woken, waited for its CPU ({Us(ctx.DpcThreadRunnableNs)} µs runnable without running nearby)",
            LatencyCause.WorkerWakeup => $"its DPC worker was asleep: waking it took {us} µs",
            LatencyCause.Dispatch when ctx.DpcThreadRunnableNs >= worst.Ns / 2 =>
                $"the thread that runs it was pre-empted ({Us(ctx.DpcThreadRunnableNs)} µs runnable without running nearby)",
            _ => $"the thread that runs it was already running but took {us} µs to reach it",
        };

        if (ctx.MajorFaults > 0)
        {
            text += $"; {ctx.MajorFaults} major page fault{(ctx.MajorFaults == 1 ? string.Empty : "s")} (disk reads) nearby";
        }

        if (ctx.GarbageCollections > 0)
        {
            text += "; a garbage collection ran nearby (it stops every managed thread)";
        }

        return $"Late by {Us(a.LatencyNs)} µs mostly because {text}.";
    }

    private static string Plain(LatencyCause cause) => cause switch
    {
        LatencyCause.IsrWake => "the OS waking the ISR thread after the event",
        LatencyCause.IsrQueueing => "the ISR thread busy with other interrupts or DPCs when the event came",
        LatencyCause.IsrDuration => "the interrupt's own ISR",
        LatencyCause.DpcQueueing => "waiting behind other DPCs",
        LatencyCause.IsrPreemption => "other ISRs running ahead of the DPC",
        LatencyCause.WorkerWakeup => "waking a sleeping DPC worker",
        LatencyCause.Dispatch => "the running DPC thread reaching the DPC",
        _ => cause.ToString(),
    };

    private static string Us(long ns) => (ns / 1000.0).ToString("0.#", CultureInfo.InvariantCulture);
}
