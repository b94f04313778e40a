using System.Device.Gpio;
using DpcPi.SystemDeviceGpio;

namespace DpcPi.Labs.Bindings;

/// <summary>One edge as DpcPi's driver delivered it: the kernel's timestamp and the line's sequence number travel with it.</summary>
public readonly record struct LoggedEdge(int Pin, bool Rising, long TimestampNs, uint Sequence, long LostBefore);

/// <summary>
/// Every edge DpcPi's driver delivered on the pins it was registered on. Its handler runs in a DPC (the driver
/// delivers callbacks from DPCs), so it only appends; the lab reads the log once the signal is over.
/// </summary>
public sealed class EdgeLog
{
    private readonly Lock _lock = new();
    private readonly List<LoggedEdge> _edges = [];
    private long _withoutTimestamp;

    public EdgeLog() => Handler = OnEdge;

    /// <summary>The handler to register (one instance, so it can be unregistered).</summary>
    public PinChangeEventHandler Handler { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _edges.Count;
            }
        }
    }

    /// <summary>Callbacks that came without DpcPi's arguments (another driver): counted, never guessed.</summary>
    public long WithoutTimestamp => Interlocked.Read(ref _withoutTimestamp);

    /// <summary>Edges the kernel dropped before the logged ones (its buffer overflowed), summed.</summary>
    public long Lost
    {
        get
        {
            lock (_lock)
            {
                return _edges.Sum(e => e.LostBefore);
            }
        }
    }

    /// <summary>Registers the handler on <paramref name="pins"/> for both edges.</summary>
    public void Watch(GpioController controller, params int[] pins)
    {
        ArgumentNullException.ThrowIfNull(controller);
        foreach (var pin in pins)
        {
            controller.RegisterCallbackForPinValueChangedEvent(pin, PinEventTypes.Rising | PinEventTypes.Falling, Handler);
        }
    }

    /// <summary>The edges so far in the order they happened (kernel timestamp; a line's sequence number breaks ties).</summary>
    public LoggedEdge[] InOrder()
    {
        lock (_lock)
        {
            return [.. _edges.OrderBy(e => e.TimestampNs).ThenBy(e => e.Pin).ThenBy(e => e.Sequence)];
        }
    }

    /// <summary>Waits until <paramref name="count"/> edges are logged (the DPCs caught up with the signal); false after <paramref name="timeout"/>.</summary>
    public bool WaitFor(int count, TimeSpan timeout) => SpinWait.SpinUntil(() => Count >= count, timeout);

    private void OnEdge(object sender, PinValueChangedEventArgs e)
    {
        if (e is not DpcPiPinValueChangedEventArgs d)
        {
            Interlocked.Increment(ref _withoutTimestamp);
            return;
        }

        lock (_lock)
        {
            _edges.Add(new LoggedEdge(d.PinNumber, d.ChangeType == PinEventTypes.Rising, d.TimestampNs, d.LineSequence, d.LostBefore));
        }
    }
}
