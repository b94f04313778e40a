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

    /// <summary>
    /// Sleeps until CLOCK_MONOTONIC reaches <paramref name="deadlineNs"/> (clock_nanosleep, TIMER_ABSTIME:
    /// no drift from loop to loop; the wake-up is as late as the scheduler and the thread's timer slack make it).
    /// Returns at once for a deadline in the past; a signal does not cut the sleep short.
    /// </summary>
    public static void SleepUntil(long deadlineNs)
    {
        var request = Libc.TimeSpec.FromNanoseconds(Math.Max(0, deadlineNs));
        int error;
        do
        {
            error = Libc.ClockNanosleep(1, 1, &request, null); // CLOCK_MONOTONIC, TIMER_ABSTIME
        }
        while (error == Errnos.EINTR);

        if (error != 0)
        {
            throw PlatformException.FromErrno("clock_nanosleep", error);
        }
    }
}
