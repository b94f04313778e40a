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
    /// What one <see cref="NowNs"/> costs here, in ns: the least of several timed batches, so a pre-emption does not
    /// count. Tens of ns where the clocksource is read in user space (the vDSO: tsc, arch_sys_counter); microseconds
    /// where each read is a system call (hpet, acpi_pm), which every stamp of an interrupt then pays.
    /// </summary>
    public static double ReadCostNs(int batches = 5, int readsPerBatch = 2_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batches, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(readsPerBatch, 1);
        var best = double.MaxValue;
        for (var b = 0; b < batches; b++)
        {
            var start = NowNs;
            long sink = 0;
            for (var i = 0; i < readsPerBatch; i++)
            {
                sink ^= NowNs;
            }

            var end = NowNs;
            GC.KeepAlive(sink);
            best = Math.Min(best, (end - start) / (double)(readsPerBatch + 1));
        }

        return best;
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
