using System.Diagnostics;

namespace DpcPi.Platform;

/// <summary>
/// CLOCK_MONOTONIC in nanoseconds: the clock of the kernel's default GPIO edge timestamps and of
/// timerfd. On Linux <see cref="Stopwatch"/> reads CLOCK_MONOTONIC at 1 GHz, so this is a
/// subtraction-compatible, allocation-free read.
/// </summary>
public static unsafe class MonotonicClock
{
    private static readonly bool s_stopwatchIsNs = Stopwatch.Frequency == 1_000_000_000;

    public static long NowNs
    {
        get
        {
            if (s_stopwatchIsNs)
            {
                return Stopwatch.GetTimestamp();
            }

            Libc.TimeSpec ts;
            _ = Libc.ClockGetTime(1, &ts);
            return ts.ToNanoseconds();
        }
    }

    /// <summary>CLOCK_REALTIME in nanoseconds (for the realtime event clock option).</summary>
    public static long RealtimeNowNs
    {
        get
        {
            Libc.TimeSpec ts;
            _ = Libc.ClockGetTime(0, &ts);
            return ts.ToNanoseconds();
        }
    }
}
