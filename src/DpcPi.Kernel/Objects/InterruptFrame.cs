namespace DpcPi.Kernel;

/// <summary>
/// What the hardware side hands an ISR: when the interrupt happened, by the source's own clock
/// (the kernel's edge <c>timestamp_ns</c> for GPIO, the programmed expiry for a timer), and the
/// source's sequence numbers and codes. Passed by reference; never allocated.
/// </summary>
public struct InterruptFrame
{
    /// <summary>When the event happened (CLOCK_MONOTONIC ns).</summary>
    public long TimestampNs;

    /// <summary>Source-wide sequence number (GPIO: the request's seqno; timer: expiration count).</summary>
    public ulong Sequence;

    /// <summary>Per-line sequence number (GPIO line_seqno).</summary>
    public ulong LineSequence;

    /// <summary>The source's channel (GPIO line offset; timer id).</summary>
    public int Line;

    /// <summary>A source-defined event code (GPIO: 1 rising, 2 falling; timer: overrun count).</summary>
    public int Code;

    /// <summary>Set by the kernel: when the ISR was entered (CLOCK_MONOTONIC ns).</summary>
    public long IsrEntryNs;
}
