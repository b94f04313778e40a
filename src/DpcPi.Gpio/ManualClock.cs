namespace DpcPi.Gpio;

/// <summary>A clock that moves only when told to: pass <see cref="Read"/> to <see cref="FakeGpioBackend"/> for deterministic tests.</summary>
public sealed class ManualClock
{
    private long _nowNs;

    public ManualClock(long startNs = 0)
    {
        _nowNs = startNs;
        Read = () => Volatile.Read(ref _nowNs);
    }

    public long NowNs
    {
        get => Volatile.Read(ref _nowNs);
        set => Volatile.Write(ref _nowNs, value);
    }

    /// <summary>The clock as a delegate (allocated once).</summary>
    public Func<long> Read { get; }

    public long Advance(long deltaNs) => Interlocked.Add(ref _nowNs, deltaNs);
}
