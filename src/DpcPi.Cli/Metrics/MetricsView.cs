namespace DpcPi.Cli.Metrics;

/// <summary>
/// What /metrics, /api/snapshot (the dashboard) and the DpcPi meter show of a run: a <see cref="DpcPi.Measurement.KernelSnapshot"/>
/// turned into units and labels, with the run's own status. Built by <see cref="SnapshotProvider"/> off the hot path.
/// </summary>
internal sealed record MetricsView
{
    public required string Source { get; init; }

    public required string Lab { get; init; }

    public required long IntervalUs { get; init; }

    public required long DeadlineUs { get; init; }

    public required bool Running { get; init; }

    public string? Fault { get; init; }

    public required double UptimeSeconds { get; init; }

    public required long TakenAtUnixMs { get; init; }

    /// <summary>DPCs of the latency device completed (one per measured interrupt).</summary>
    public required long Completed { get; init; }

    public required long InterruptsTotal { get; init; }

    public required IReadOnlyList<VectorView> Vectors { get; init; }

    public required IReadOnlyList<CpuView> Cpus { get; init; }

    public required long LostEdges { get; init; }

    public required long MergedEdges { get; init; }

    /// <summary>Timer expiries merged into a late interrupt (the timer source's overruns).</summary>
    public required long TimerExpiriesMerged { get; init; }

    public required long WatchdogViolations { get; init; }

    public required long DpcExceptions { get; init; }

    public required long ClockTicks { get; init; }

    public required GuaranteesView Guarantees { get; init; }

    /// <summary>The per-second maximum edge→DPC latency (µs) over the last seconds, oldest first.</summary>
    public required TimelineView Timeline { get; init; }

    /// <summary>Edge→DPC start samples above the deadline (Report:DeadlineUs) since start, at the histogram's 0.1 % resolution.</summary>
    public required long DeadlineMisses { get; init; }

    /// <summary>The maximum edge→DPC latency (µs) of the last complete second.</summary>
    public required double LastSecondMaxUs { get; init; }

    /// <summary>The absolute maximum edge→DPC latency (µs) since start.</summary>
    public required double AbsoluteMaxUs { get; init; }

    public required IReadOnlyList<StageView> Stages { get; init; }

    /// <summary>"Why was it late" so far (Report:AnalyzeUs), or null when the flight recorder is off.</summary>
    public AttributionView? Attribution { get; init; }
}

/// <summary>The analysed interrupts' edge→DPC start summed by cause, as the report's "why was it late" section.</summary>
internal sealed record AttributionView(double ThresholdUs, long Analysed, long Missed, double TotalUs, IReadOnlyList<CauseView> Causes, IReadOnlyList<CulpritView> Culprits, string Cause);

/// <summary>One part of the late interrupts' time: its key, what it means, its time (µs), share and who caused it.</summary>
internal sealed record CauseView(string Key, string Part, double Us, double Percent, string Who);

/// <summary>A DPC or vector that ran ahead of the late interrupts (as LatencyMon names drivers), with its time (µs).</summary>
internal sealed record CulpritView(string Name, double Us);

internal sealed record VectorView(int Vector, string Name, long Count);

internal sealed record CpuView(int Cpu, long DpcsRun, long Coalesced, long CoalescedPendingTogether, int QueueDepth, int QueueDepthHighWater, double TimeInDpcMs, long WatchdogPerDpc, long WatchdogCumulative, long Exceptions);

internal sealed record GuaranteesView(bool Realtime, bool Pinned, bool Mlocked, IReadOnlyList<string> Notes);

internal sealed record TimelineView(int FirstSecond, IReadOnlyList<double> MaxUs);

/// <summary>A bucket of the fixed Prometheus buckets: values at or below <see cref="LeUs"/> and above the previous bound (not cumulative).</summary>
internal sealed record BucketView(double LeUs, long Count);

/// <summary>One latency stage: count, sum and quantiles (µs) and the fixed buckets (the last one is +Inf).</summary>
internal sealed record StageView(string Stage, long Count, double SumUs, double P50Us, double P99Us, double P999Us, double MaxUs, IReadOnlyList<BucketView> Buckets)
{
    /// <summary>
    /// Counts in the /metrics buckets (<see cref="SnapshotProvider.PrometheusBoundsNs"/>, then +Inf), not cumulative. Not in
    /// the dashboard's JSON: the page draws the coarse <see cref="Buckets"/>.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<long> PrometheusCounts { get; init; } = [];
}

/// <summary>One stage's HDR histogram (GET /api/histogram): each non-empty bucket as [lowest ns, highest ns, count].</summary>
internal sealed record HistogramView(string Stage, long Count, IReadOnlyList<long[]> Buckets);
