using System.Device.Gpio;
using DpcPi.Interrupts;
using Lines = DpcPi.Gpio;

namespace DpcPi.SystemDeviceGpio;

/// <summary>
/// One open pin (OpenPin to ClosePin): its line request, its edge ring, the callbacks and waiters. The
/// ISR-side fields are written by the ISR thread only; the handler and waiter arrays are replaced whole
/// (copy on write, under the driver's gate) so the DPC reads them without a lock or an allocation.
/// </summary>
internal sealed class PinState
{
    private readonly DpcPiPinValueChangedEventArgs? _risingArgs;
    private readonly DpcPiPinValueChangedEventArgs? _fallingArgs;
    private PinChangeEventHandler[] _rising = [];
    private PinChangeEventHandler[] _falling = [];
    private EdgeWaiter[] _waiters = [];
    private long _readCount;
    private volatile bool _closed;

    public PinState(int offset, PinMode mode, int ringCapacity, bool reuseArgs)
    {
        Offset = offset;
        Mode = mode;
        Ring = new SpscRing<EdgeRecord>(ringCapacity);
        if (reuseArgs)
        {
            _risingArgs = new DpcPiPinValueChangedEventArgs(PinEventTypes.Rising, offset, 0, 0, 0);
            _fallingArgs = new DpcPiPinValueChangedEventArgs(PinEventTypes.Falling, offset, 0, 0, 0);
        }
    }

    public int Offset { get; }

    /// <summary>The mode as System.Device.Gpio sees it (what GetPinMode returns).</summary>
    public PinMode Mode { get; set; }

    /// <summary>The line request; null while the pin was an output when opened and nothing has needed the line yet.</summary>
    public Lines.GpioLineRequest? Request { get; set; }

    /// <summary>The ISR's read buffer (allocated once per open).</summary>
    public Lines.GpioEdgeEvent[] Batch { get; } = new Lines.GpioEdgeEvent[64];

    public SpscRing<EdgeRecord> Ring { get; }

    /// <summary>ISR thread only: the last line sequence number read, to see the kernel's gaps edge by edge.</summary>
    public uint LastLineSequence { get; set; }

    /// <summary>ISR thread only: edges lost since the last edge that made it into the ring.</summary>
    public long PendingLost { get; set; }

    /// <summary>Edges the ISR has read for this open (an edge's read index is its position in that count).</summary>
    public long ReadCount => Volatile.Read(ref _readCount);

    /// <summary>Set once ClosePin (or Dispose) has detached the pin: the DPC stops delivering.</summary>
    public bool Closed
    {
        get => _closed;
        set => _closed = value;
    }

    /// <summary>Why the ISR stopped reading this pin (the device went away), or null.</summary>
    public Exception? Failure { get; set; }

    public PinChangeEventHandler[] Rising => Volatile.Read(ref _rising);

    public PinChangeEventHandler[] Falling => Volatile.Read(ref _falling);

    public EdgeWaiter[] Waiters => Volatile.Read(ref _waiters);

    /// <summary>The edges someone listens for: the union of the callbacks' and the waiters' types.</summary>
    public Lines.PinEventTypes WantedEdges
    {
        get
        {
            var edges = Lines.PinEventTypes.None;
            if (Rising.Length > 0)
            {
                edges |= Lines.PinEventTypes.Rising;
            }

            if (Falling.Length > 0)
            {
                edges |= Lines.PinEventTypes.Falling;
            }

            foreach (var w in Waiters)
            {
                edges |= DpcPiGpioDriver.ToLines(w.Types);
            }

            return edges;
        }
    }

    public bool HasListeners => Rising.Length > 0 || Falling.Length > 0 || Waiters.Length > 0;

    /// <summary>ISR thread only: the next read index.</summary>
    public long NextReadIndex()
    {
        var next = _readCount + 1;
        Volatile.Write(ref _readCount, next);
        return next;
    }

    public void AddCallback(PinEventTypes types, PinChangeEventHandler callback)
    {
        if ((types & PinEventTypes.Rising) != 0)
        {
            Volatile.Write(ref _rising, [.. _rising, callback]);
        }

        if ((types & PinEventTypes.Falling) != 0)
        {
            Volatile.Write(ref _falling, [.. _falling, callback]);
        }
    }

    /// <summary>Removes every registration of <paramref name="callback"/>; false when it had none.</summary>
    public bool RemoveCallback(PinChangeEventHandler callback)
    {
        var before = _rising.Length + _falling.Length;
        Volatile.Write(ref _rising, Array.FindAll(_rising, h => h != callback));
        Volatile.Write(ref _falling, Array.FindAll(_falling, h => h != callback));
        return _rising.Length + _falling.Length != before;
    }

    public void AddWaiter(EdgeWaiter waiter) => Volatile.Write(ref _waiters, [.. _waiters, waiter]);

    public void RemoveWaiter(EdgeWaiter waiter) => Volatile.Write(ref _waiters, Array.FindAll(_waiters, w => !ReferenceEquals(w, waiter)));

    public void ClearListeners()
    {
        Volatile.Write(ref _rising, []);
        Volatile.Write(ref _falling, []);
        foreach (var w in _waiters)
        {
            _ = w.TryCancel();
        }

        Volatile.Write(ref _waiters, []);
    }

    /// <summary>The arguments for one edge: reused per pin and type when asked (no allocation), else new.</summary>
    public DpcPiPinValueChangedEventArgs ArgsFor(in EdgeRecord edge)
    {
        var reused = edge.Rising ? _risingArgs : _fallingArgs;
        if (reused is null)
        {
            return new DpcPiPinValueChangedEventArgs(edge.Rising ? PinEventTypes.Rising : PinEventTypes.Falling, Offset, edge.TimestampNs, edge.LineSequence, edge.LostBefore);
        }

        reused.Set(edge.TimestampNs, edge.LineSequence, edge.LostBefore);
        return reused;
    }
}
