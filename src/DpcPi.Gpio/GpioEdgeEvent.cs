using System.Runtime.InteropServices;

namespace DpcPi.Gpio;

/// <summary>One edge as the kernel (or the fake backend) reported it.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct GpioEdgeEvent
{
    public GpioEdgeEvent(long timestampNs, PinEventTypes eventType, int offset, uint seqno, uint lineSeqno)
    {
        TimestampNs = timestampNs;
        EventType = eventType;
        Offset = offset;
        Seqno = seqno;
        LineSeqno = lineSeqno;
    }

    /// <summary>The kernel's timestamp_ns, on the request's event clock (CLOCK_MONOTONIC by default).</summary>
    public long TimestampNs { get; }

    /// <summary><see cref="PinEventTypes.Rising"/> or <see cref="PinEventTypes.Falling"/> (logical: inverted on active-low lines).</summary>
    public PinEventTypes EventType { get; }

    /// <summary>The line offset on its chip.</summary>
    public int Offset { get; }

    /// <summary>Request-wide sequence number (starts at 1; a gap means events were lost).</summary>
    public uint Seqno { get; }

    /// <summary>Per-line sequence number (starts at 1; a gap means events of this line were lost).</summary>
    public uint LineSeqno { get; }

    public override string ToString() => $"{EventType} offset {Offset} at {TimestampNs} ns (seqno {Seqno}, line seqno {LineSeqno})";
}
