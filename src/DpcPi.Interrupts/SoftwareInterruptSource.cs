using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Interrupts;

/// <summary>
/// A software interrupt line on an eventfd: <see cref="Raise"/> from any thread makes the ISR thread
/// dispatch once per raise, timestamped at the raise. Used by the fake sources and tests.
/// </summary>
public sealed class SoftwareInterruptSource : IInterruptSource, IDisposable
{
    private readonly EventFd _fd = new();
    private long _lastRaiseNs;
    private ulong _sequence;

    public System.Runtime.InteropServices.SafeHandle Handle => _fd.Handle;

    public void Raise()
    {
        Volatile.Write(ref _lastRaiseNs, MonotonicClock.NowNs);
        _fd.Signal();
    }

    public void Service(Interrupt interrupt)
    {
        var count = _fd.Drain();
        for (ulong i = 0; i < count; i++)
        {
            var frame = new InterruptFrame { TimestampNs = Volatile.Read(ref _lastRaiseNs), Sequence = ++_sequence };
            interrupt.Dispatch(ref frame);
        }
    }

    public void Dispose() => _fd.Dispose();
}
