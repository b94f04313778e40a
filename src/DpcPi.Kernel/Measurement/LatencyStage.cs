namespace DpcPi.Kernel.Measurement;

/// <summary>The derived latencies of one interrupt's trip: edge → ISR → DPC queued → DPC start → DPC end.</summary>
public enum LatencyStage
{
    /// <summary>Event timestamp (kernel edge time, or a timer's programmed expiry) to ISR entry.</summary>
    EdgeToIsr,

    /// <summary>ISR entry to ISR exit.</summary>
    IsrDuration,

    /// <summary>DPC queued to DPC routine start.</summary>
    QueueWait,

    /// <summary>DPC routine start to end.</summary>
    DpcDuration,

    /// <summary>Event timestamp to DPC routine start: the headline interrupt-to-DPC latency.</summary>
    EdgeToDpcStart,
}
