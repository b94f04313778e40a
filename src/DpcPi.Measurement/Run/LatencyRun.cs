using System.Globalization;
using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.Platform;

namespace DpcPi.Measurement;

/// <summary>
/// What one latency run measured, as every front-end reports it: the session's own counts (interrupts, DPC runs,
/// edges generated, lost and merged, warm-up, the source's failure) and one full <see cref="KernelSnapshot"/>
/// taken after the run stopped. The CLI and the service build their report from this, so they cannot differ.
/// </summary>
public sealed record LatencyRun
{
    public required string Source { get; init; }

    public required long IntervalNs { get; init; }

    public required long Interrupts { get; init; }

    public required long DpcRuns { get; init; }

    /// <summary>
    /// Edge → entry of the DPC routine that served it, for every interrupt: a coalesced interrupt is served by the run
    /// its DPC was already queued for, which the kernel's edge→DPC start (one sample per DPC run) leaves out. Null for
    /// runs built without a session.
    /// </summary>
    public LatencyHistogram? EdgeToServingDpc { get; init; }

    /// <summary>Interrupts left out of <see cref="EdgeToServingDpc"/> (its hand-off ring was full).</summary>
    public long ServingUnmeasured { get; init; }

    public required long Generated { get; init; }

    public required long LostEdges { get; init; }

    /// <summary>Events merged into another event's interrupt by the source (GPIO edges in a row, timer overruns).</summary>
    public required long MergedEvents { get; init; }

    public required long TimerOverruns { get; init; }

    public required TimeSpan Duration { get; init; }

    public required double? StealPercent { get; init; }

    public required TimeSpan WarmupElapsed { get; init; }

    public required long WarmupDpcRuns { get; init; }

    public required Exception? SourceFailure { get; init; }

    public required string? Stimulus { get; init; }

    /// <summary>Garbage collections during the measured run (they pause the ISR and DPC threads too), or null.</summary>
    public GcCounts? GcDuringRun { get; init; }

    /// <summary>Why DPCs still queued when the run stopped never ran (stopping gave up waiting), or null: their figures are missing.</summary>
    public string? ShutdownProblem { get; init; }

    /// <summary>What the source's figures cannot show, or null.</summary>
    public string? SourceCaveat { get; init; }

    /// <summary>Whether /dev/cpu_dma_latency was held at 0 during the measured run; null when not asked to.</summary>
    public CpuDmaLatencyStatus? CpuDmaLatency { get; init; }

    public required KernelSnapshot Snapshot { get; init; }

    /// <summary>The late interrupts taken apart (--analyze), or null.</summary>
    public AttributionSummary? Attribution { get; init; }

    /// <summary>True when a late interrupt stopped the run (--break).</summary>
    public bool Broke { get; init; }

    /// <summary>Late interrupts that reached the break threshold (--break).</summary>
    public long Breaks { get; init; }

    /// <summary>The flight recorder's windows for the trace (--break), oldest first; empty without a break.</summary>
    public IReadOnlyList<FlightWindow> BreakWindows { get; init; } = [];

    /// <summary>The run's facts as the report's run_info: one set of keys for every front-end.</summary>
    public IReadOnlyDictionary<string, string> RunInfo() => new Dictionary<string, string>
    {
        ["interrupts"] = Interrupts.ToString(CultureInfo.InvariantCulture),
        ["dpc_runs"] = DpcRuns.ToString(CultureInfo.InvariantCulture),
        ["serving_dpc_unmeasured"] = ServingUnmeasured.ToString(CultureInfo.InvariantCulture),
        ["edges_generated"] = Generated.ToString(CultureInfo.InvariantCulture),
        ["interval_us"] = (IntervalNs / 1000).ToString(CultureInfo.InvariantCulture),
        ["warmup_ms"] = WarmupElapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture),
        ["warmup_dpc_runs"] = WarmupDpcRuns.ToString(CultureInfo.InvariantCulture),
        ["timer_overruns"] = TimerOverruns.ToString(CultureInfo.InvariantCulture),
        ["source_failure"] = SourceFailure?.Message ?? string.Empty,
        ["stimulus"] = Stimulus ?? string.Empty,
        ["source_caveat"] = SourceCaveat ?? string.Empty,
        ["shutdown_problem"] = ShutdownProblem ?? string.Empty,
        // gen0,gen1,gen2 counts and the total pause: a GC stops the ISR and DPC threads like any other
        ["gc_collections"] = GcDuringRun is { } gc ? string.Create(CultureInfo.InvariantCulture, $"{gc.Gen0},{gc.Gen1},{gc.Gen2}") : string.Empty,
        ["gc_pause_ms"] = GcDuringRun is { } p ? p.Pause.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) : string.Empty,
        // The first edges after the warm-up, in order (the core that ran the most DPCs): a JIT stall would show here.
        ["first_edges_to_dpc_start_ns"] = string.Join(',', Snapshot.FirstEdgesToDpcStart),
    };

    internal static LatencyRun Of(LatencySession session, KernelSnapshot snapshot) => new()
    {
        Source = session.SourceName,
        IntervalNs = session.Options.IntervalNs,
        Interrupts = session.Interrupts,
        DpcRuns = session.Completed,
        EdgeToServingDpc = session.EdgeToServingDpc.Snapshot(),
        ServingUnmeasured = session.ServingUnmeasured,
        Generated = session.Generated,
        LostEdges = session.GpioStatistics.Lost,
        MergedEvents = session.MergedEvents,
        TimerOverruns = session.TimerOverruns,
        Duration = TimeSpan.FromTicks(session.ElapsedNs / 100),
        StealPercent = session.StealPercent,
        WarmupElapsed = session.WarmupElapsed,
        WarmupDpcRuns = session.WarmupDpcRuns,
        SourceFailure = session.SourceFailure,
        Stimulus = session.StimulusSummary,
        SourceCaveat = session.SourceCaveat,
        ShutdownProblem = session.ShutdownProblem,
        GcDuringRun = session.GcDuringRun,
        CpuDmaLatency = session.CpuDmaLatency,
        Snapshot = snapshot,
        Attribution = session.Attribution,
        Broke = session.Broke,
        Breaks = session.Breaks,
        BreakWindows = session.BreakWindows,
    };
}
