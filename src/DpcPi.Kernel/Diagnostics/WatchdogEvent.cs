namespace DpcPi.Kernel;

/// <summary>Which watchdog limit was exceeded.</summary>
public enum WatchdogKind
{
    /// <summary>One DPC routine ran longer than the per-DPC limit.</summary>
    SingleDpc,

    /// <summary>A core spent longer than the cumulative limit continuously in DPCs.</summary>
    Cumulative,
}

/// <summary>A watchdog violation, detected by the clock tick while the offending DPC was still running.</summary>
public sealed record WatchdogEvent(WatchdogKind Kind, int Cpu, string? Routine, long DurationNs, long LimitNs, long DetectedAtNs)
{
    public override string ToString() => Kind == WatchdogKind.SingleDpc
        ? $"DPC_WATCHDOG_VIOLATION (single DPC): {Routine} on CPU {Cpu} has run {DurationNs / 1000.0:F1} µs (limit {LimitNs / 1000.0:F1} µs)"
        : $"DPC_WATCHDOG_VIOLATION (cumulative): CPU {Cpu} has been in DPCs for {DurationNs / 1000.0:F1} µs (limit {LimitNs / 1000.0:F1} µs), now running {Routine ?? "-"}";
}
