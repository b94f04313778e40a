namespace DpcPi.Kernel;

/// <summary>
/// When a timer is due: relative to the moment it is set, or an absolute instant of the kernel clock
/// (<see cref="DpcKernel.Clock"/>, CLOCK_MONOTONIC in production). Windows packs both into one
/// LARGE_INTEGER (negative = relative, in 100 ns units); <see cref="FromWindows"/> accepts that form.
/// </summary>
public readonly record struct TimerDueTime
{
    private TimerDueTime(long nanoseconds, bool isRelative)
    {
        Nanoseconds = nanoseconds;
        IsRelative = isRelative;
    }

    /// <summary>The interval (relative) or the instant (absolute), in ns.</summary>
    public long Nanoseconds { get; }

    public bool IsRelative { get; }

    /// <summary>Due <paramref name="ns"/> after the timer is set (0 = at the next expiry pass).</summary>
    public static TimerDueTime Relative(long ns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ns);
        return new TimerDueTime(ns, isRelative: true);
    }

    /// <summary>Due at kernel-clock instant <paramref name="ns"/>; an instant already past expires at the next expiry pass.</summary>
    public static TimerDueTime Absolute(long ns) => new(ns, isRelative: false);

    /// <summary>
    /// Windows' DueTime convention in 100 ns units: negative = relative interval, positive = absolute
    /// time. Here the absolute time base is the kernel clock, not system time.
    /// </summary>
    public static TimerDueTime FromWindows(long dueTime100Ns) => dueTime100Ns < 0
        ? Relative(checked(-dueTime100Ns * 100))
        : Absolute(checked(dueTime100Ns * 100));

    /// <summary>The absolute due instant for a timer set at <paramref name="nowNs"/>.</summary>
    public long ResolveNs(long nowNs) => IsRelative ? SaturatingAdd(nowNs, Nanoseconds) : Nanoseconds;

    public override string ToString() => IsRelative ? $"+{Nanoseconds} ns" : $"@{Nanoseconds} ns";

    internal static long SaturatingAdd(long a, long b)
    {
        var sum = a + b;
        return b > 0 && sum < a ? long.MaxValue : sum;
    }
}
