namespace DpcPi.Kernel;

/// <summary>A clock that moves only when told to: deterministic tests of timers, ticks and the watchdog.</summary>
public sealed class VirtualClock : IKernelClock
{
    private long _nowNs;

    public VirtualClock(long startNs = 1_000_000_000) => _nowNs = startNs;

    public long NowNs => Volatile.Read(ref _nowNs);

    public void Advance(long ns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ns);
        Interlocked.Add(ref _nowNs, ns);
    }

    public void Set(long ns)
    {
        if (ns < NowNs)
        {
            throw new ArgumentOutOfRangeException(nameof(ns), ns, "A monotonic clock cannot go back.");
        }

        Volatile.Write(ref _nowNs, ns);
    }
}
