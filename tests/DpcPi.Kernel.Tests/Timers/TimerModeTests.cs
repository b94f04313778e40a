using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;

namespace DpcPi.Kernel.Tests.Timers;

/// <summary>Periodic-tick and high-resolution expiry, and coalescing of tolerant timers.</summary>
public sealed class TimerModeTests
{
    private const long Ms = 1_000_000;

    [Fact]
    public void PeriodicTick_TimerDueBetweenTicks_ExpiresAtFirstTickAfterDue()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock, TimerMode.PeriodicTick, tickNs: Ms);
        var runs = new List<(long Arg1, long Arg2, long AtNs)>();
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(2_500_000), 0, TimerKit.Recording(kernel, runs));

        var expiredAtTick = new List<long>();
        for (var tick = 1; tick <= 4; tick++)
        {
            clock.Advance(Ms);
            var before = timer.ExpirationCount;
            kernel.ClockTick();
            if (timer.ExpirationCount > before)
            {
                expiredAtTick.Add(tick);
            }

            kernel.RunDpcs(1);
        }

        Assert.Equal([3L], expiredAtTick);
        Assert.Equal(TimerKit.Start + 2_500_000, runs.Single().Arg1);
        Assert.Equal(500_000, kernel.GetRecorder(1)[LatencyStage.EdgeToDpcStart].Max); // tick quantisation, exactly
    }

    [Fact]
    public void PeriodicTick_TimerDueExactlyOnATick_ExpiresOnThatTick()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock, TimerMode.PeriodicTick, tickNs: Ms);
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(2 * Ms));

        clock.Advance(Ms);
        kernel.ClockTick();
        Assert.Equal(0, timer.ExpirationCount);
        clock.Advance(Ms);
        kernel.ClockTick();

        Assert.Equal(1, timer.ExpirationCount);
    }

    [Fact]
    public void PeriodicTick_ClassicTick15625Us_TimersDueWithinOneTickShareIt()
    {
        const long tick = 15_625_000;
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock, TimerMode.PeriodicTick, tickNs: tick);
        Assert.Equal(tick, kernel.Timers.TickIntervalNs);
        var timers = Enumerable.Range(0, 10).Select(i => kernel.InitializeTimer($"t{i}")).ToArray();
        for (var i = 0; i < timers.Length; i++)
        {
            kernel.SetTimer(timers[i], TimerDueTime.Relative(1 * Ms + (i * Ms)));
        }

        clock.Advance(tick);
        kernel.ClockTick();

        Assert.All(timers, t => Assert.Equal(1, t.ExpirationCount));
        Assert.Equal(1, kernel.Timers.HardwareTimerInterrupts);
        Assert.Equal(10, kernel.Timers.TimerExpirations);
    }

    [Fact]
    public void HighResolution_ClockTick_ExpiresNoTimers()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock, TimerMode.HighResolution);
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(1_000));

        clock.Advance(Ms);
        kernel.ClockTick();

        Assert.Equal(0, timer.ExpirationCount);
        Assert.Equal(1, kernel.ClockTicks);
        Assert.Equal(1, kernel.Timers.ExpireTimers(clock.NowNs));
    }

    [Fact]
    public void HighResolution_NextHardwareExpiry_FollowsEarliestTimerAndReportsEveryChange()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock, TimerMode.HighResolution);
        var programmed = new List<long>();
        kernel.Timers.HardwareExpiryChanged = programmed.Add;
        var a = kernel.InitializeTimer("a");
        var b = kernel.InitializeTimer("b");
        Assert.Equal(long.MaxValue, kernel.Timers.NextHardwareExpiryNs);
        var version = kernel.Timers.ProgramVersion;

        kernel.SetTimer(a, TimerDueTime.Relative(5_000));  // next: +5000
        kernel.SetTimer(b, TimerDueTime.Relative(9_000));  // unchanged
        kernel.SetTimer(b, TimerDueTime.Relative(2_000));  // next: +2000
        kernel.Timers.ExpireTimers(TimerKit.Start + 2_000); // b expires → next: +5000
        kernel.CancelTimer(a);                              // empty

        Assert.Equal([TimerKit.Start + 5_000, TimerKit.Start + 2_000, TimerKit.Start + 5_000, long.MaxValue], programmed);
        Assert.Equal(version + 4, kernel.Timers.ProgramVersion);
        Assert.Equal(long.MaxValue, kernel.Timers.NextHardwareExpiryNs);
    }

    [Fact]
    public void HighResolution_CoalescableTimers_NextExpiryIsEarliestDeadlineAndExpiresEveryTimerDueByThen()
    {
        var clock = new VirtualClock(0);
        using var kernel = TimerKit.Manual(clock, TimerMode.HighResolution);
        var a = kernel.InitializeTimer("a");
        var b = kernel.InitializeTimer("b");
        var c = kernel.InitializeTimer("c");
        kernel.SetCoalescableTimer(a, TimerDueTime.Absolute(1_000), 0, 500);   // window [1000, 1500]
        kernel.SetCoalescableTimer(b, TimerDueTime.Absolute(1_200), 0, 1_000); // window [1200, 2200]
        kernel.SetCoalescableTimer(c, TimerDueTime.Absolute(1_600), 0, 0);     // window [1600, 1600]

        Assert.Equal(1_500, kernel.Timers.NextHardwareExpiryNs);
        Assert.Equal(2, kernel.Timers.ExpireTimers(kernel.Timers.NextHardwareExpiryNs));

        Assert.Equal(1, a.ExpirationCount);
        Assert.Equal(1, b.ExpirationCount);
        Assert.Equal(0, c.ExpirationCount);
        Assert.Equal(1_600, kernel.Timers.NextHardwareExpiryNs);
    }

    [Theory]
    [InlineData(1_000_000, 10)]  // 1 ms tolerance: one hardware interrupt per 10 ms period
    [InlineData(0, 100)]         // no tolerance: every timer needs its own interrupt
    public void HighResolution_TenPeriodicTimersSpreadOver900Us_ToleranceCoalescesHardwareInterrupts(long toleranceNs, long expectedInterrupts)
    {
        const long period = 10 * Ms;
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock, TimerMode.HighResolution);
        var runs = 0;
        var timers = new KernelTimer[10];
        for (var i = 0; i < timers.Length; i++)
        {
            timers[i] = kernel.InitializeTimer($"t{i}");
            var timerDpc = kernel.InitializeDpc((_, _, _, _) => runs++, name: $"dpc{i}");
            kernel.SetCoalescableTimer(timers[i], TimerDueTime.Relative(period + (i * 100_000)), period, toleranceNs, timerDpc);
        }

        // The timerfd source: fire exactly at the programmed instant, expire, run the DPCs; ten periods.
        var end = TimerKit.Start + (10 * period) + (2 * Ms);
        while (kernel.Timers.NextHardwareExpiryNs <= end)
        {
            clock.Set(kernel.Timers.NextHardwareExpiryNs);
            kernel.Timers.ExpireTimers(clock.NowNs);
            kernel.RunDpcs(1);
        }

        Assert.Equal(expectedInterrupts, kernel.Timers.HardwareTimerInterrupts);
        Assert.Equal(0, kernel.Timers.EmptyExpiryPasses);
        Assert.Equal(100, kernel.Timers.TimerExpirations);
        Assert.Equal(100, runs);
        Assert.All(timers, t => Assert.Equal(10, t.ExpirationCount));
        // Coalescing costs latency, bounded by the tolerance: the earliest timer fires at the end of its window.
        Assert.Equal(toleranceNs, kernel.GetRecorder(1)[LatencyStage.EdgeToDpcStart].Max);
    }
}
