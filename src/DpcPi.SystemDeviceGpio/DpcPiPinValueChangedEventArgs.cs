using System.Device.Gpio;

namespace DpcPi.SystemDeviceGpio;

/// <summary>
/// The arguments every <see cref="DpcPiGpioDriver"/> callback receives: System.Device.Gpio's, plus what
/// the kernel said about the edge. Test for it in an ordinary handler: <c>if (args is DpcPiPinValueChangedEventArgs e)</c>.
/// </summary>
public sealed class DpcPiPinValueChangedEventArgs : PinValueChangedEventArgs
{
    public DpcPiPinValueChangedEventArgs(PinEventTypes changeType, int pinNumber, long timestampNs, uint lineSequence, long lostBefore)
        : base(changeType, pinNumber) => Set(timestampNs, lineSequence, lostBefore);

    /// <summary>When the edge happened: the kernel's timestamp, CLOCK_MONOTONIC nanoseconds (comparable with DpcPi.Platform.MonotonicClock.NowNs).</summary>
    public long TimestampNs { get; private set; }

    /// <summary>The kernel's per-line sequence number of this edge (1 for the first edge the line reported; counts only watched edges).</summary>
    public uint LineSequence { get; private set; }

    /// <summary>Edges of this pin that happened since the previous delivered edge but were lost (kernel buffer or the driver's ring). 0 when none.</summary>
    public long LostBefore { get; private set; }

    public override string ToString() => $"{ChangeType} on pin {PinNumber} at {TimestampNs} ns (line seqno {LineSequence}, {LostBefore} lost before)";

    internal void Set(long timestampNs, uint lineSequence, long lostBefore)
    {
        TimestampNs = timestampNs;
        LineSequence = lineSequence;
        LostBefore = lostBefore;
    }
}
