using DpcPi.Interrupts;
using DpcPi.Kernel;

namespace DpcPi.Labs.Framework;

/// <summary>One edge as an ISR saw it: the kernel's timestamp and sequence numbers, the line and the edge (1 rising, 2 falling).</summary>
public readonly record struct EdgeRecord(long TimestampNs, ulong Sequence, int Line, int Code)
{
    public bool Rising => Code == 1;
}

/// <summary>
/// The ISR→DPC hand-off of the labs: a fixed ring the ISR writes (no allocation, no locks: one ISR
/// thread writes, the DPC reads after the ISR's insert) and the DpcForIsr drains. Because
/// IoRequestDpc coalesces (a queued DPC is not queued twice), the DPC must drain everything, not
/// assume one edge per run. A full ring counts an overflow instead of blocking the ISR.
/// </summary>
public sealed class EdgeRing(int capacity = 1024)
{
    private readonly SpscRing<EdgeRecord> _ring = new(capacity); // capacity: a power of two

    public long Overflows { get; private set; }

    public int Count => _ring.Count;

    /// <summary>ISR side.</summary>
    public bool TryWrite(in EdgeRecord item)
    {
        if (_ring.TryEnqueue(in item))
        {
            return true;
        }

        Overflows++;
        return false;
    }

    /// <summary>
    /// The labs' ISR body: records the frame's edge and requests the device's DPC. A DPC already queued is still
    /// this device's interrupt, so the ISR always reports it handled.
    /// </summary>
    public bool QueueFromIsr(DeviceObject device, in InterruptFrame frame)
    {
        ArgumentNullException.ThrowIfNull(device);
        TryWrite(new EdgeRecord(frame.TimestampNs, frame.Sequence, frame.Line, frame.Code));
        _ = device.RequestDpc();
        return true;
    }

    /// <summary>DPC side.</summary>
    public bool TryRead(out EdgeRecord item) => _ring.TryDequeue(out item);
}
