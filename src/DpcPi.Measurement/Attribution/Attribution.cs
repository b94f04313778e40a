namespace DpcPi.Measurement;

/// <summary>Where the time of a late interrupt's edge→DPC start went; the parts of one breakdown add up to the whole.</summary>
public enum LatencyCause
{
    /// <summary>Edge → ISR entry while the ISR thread had nothing else to do: the OS waking it (IRQ, threaded handler, scheduler).</summary>
    IsrWake,

    /// <summary>Edge → ISR entry while the ISR thread was busy with other vectors' ISRs or the DPCs it runs.</summary>
    IsrQueueing,

    /// <summary>The interrupt's own ISR, entry to exit (or to the DPC's start, when a worker started it first).</summary>
    IsrDuration,

    /// <summary>After the ISR: other DPCs ran ahead of it on its queue.</summary>
    DpcQueueing,

    /// <summary>After the ISR: other ISRs ran ahead of it on the thread that then ran it (or pre-empted its worker on the ISR core).</summary>
    IsrPreemption,

    /// <summary>The rest of the queue wait, when its worker was asleep: the futex wake-up and the context switch.</summary>
    WorkerWakeup,

    /// <summary>The rest of the queue wait, when its thread was already running (spinning, or the ISR thread returning).</summary>
    Dispatch,
}

/// <summary>One part of a breakdown: how long, and who (the DPCs or vectors that ran ahead, by time taken), if anyone.</summary>
public sealed record CauseShare(LatencyCause Cause, long Ns, IReadOnlyList<NamedTime> Culprits);

/// <summary>A DPC routine or a vector's ISR and the time it took inside a breakdown.</summary>
public sealed record NamedTime(string Name, long Ns);

/// <summary>
/// What the system did around one late interrupt, sampled off the hot path over the window that holds it (from the
/// previous sample to just after the trigger): these overlap the breakdown rather than add to it.
/// </summary>
public sealed record OutlierContext(
    long WindowNs,
    long IsrThreadRunnableNs,
    long DpcThreadRunnableNs,
    long MinorFaults,
    long MajorFaults,
    double? StealPercent,
    int GarbageCollections);

/// <summary>One late interrupt taken apart: its edge→DPC start, the parts that make it up, the context and a plain-language cause.</summary>
public sealed record OutlierAttribution(
    long Cycle,
    int Cpu,
    string Dpc,
    string? Vector,
    long LatencyNs,
    bool OnIsrThread,
    bool WorkerWoke,
    IReadOnlyList<CauseShare> Parts,
    OutlierContext Context,
    string Cause);

/// <summary>
/// The attribution of a run (<c>--analyze</c>): every analysed outlier's breakdown summed, the first few in detail,
/// the DPCs and vectors that delayed them most (as LatencyMon names drivers), and what the kernel's threads went
/// through over the whole run (time runnable without running, page faults).
/// </summary>
public sealed record AttributionSummary(
    long ThresholdNs,
    long Analysed,
    long Missed,
    IReadOnlyList<CauseShare> Totals,
    IReadOnlyList<NamedTime> TopCulprits,
    IReadOnlyList<OutlierAttribution> Outliers,
    long RunRunnableNs,
    long RunMinorFaults,
    long RunMajorFaults,
    string Cause)
{
    /// <summary>The sum of every analysed outlier's edge→DPC start.</summary>
    public long TotalNs => Totals.Sum(t => t.Ns);

    /// <summary>A part's share of <paramref name="totalNs"/> in percent (0 when there is nothing).</summary>
    public static double Percent(long ns, long totalNs) => totalNs <= 0 ? 0 : 100.0 * ns / totalNs;

    /// <summary>How reports spell a cause.</summary>
    public static string Describe(LatencyCause cause) => cause switch
    {
        LatencyCause.IsrWake => "kernel→ISR wake",
        LatencyCause.IsrQueueing => "ISR queued behind other work",
        LatencyCause.IsrDuration => "ISR duration",
        LatencyCause.DpcQueueing => "queued behind other DPCs",
        LatencyCause.IsrPreemption => "behind other ISRs",
        LatencyCause.WorkerWakeup => "worker wake-up (was asleep)",
        LatencyCause.Dispatch => "dispatch (thread already running)",
        _ => cause.ToString(),
    };

    /// <summary>The snake_case key of a cause in the JSON report.</summary>
    public static string Key(LatencyCause cause) => cause switch
    {
        LatencyCause.IsrWake => "isr_wake",
        LatencyCause.IsrQueueing => "isr_queueing",
        LatencyCause.IsrDuration => "isr_duration",
        LatencyCause.DpcQueueing => "dpc_queueing",
        LatencyCause.IsrPreemption => "isr_preemption",
        LatencyCause.WorkerWakeup => "worker_wakeup",
        LatencyCause.Dispatch => "dispatch",
        _ => cause.ToString(),
    };
}
