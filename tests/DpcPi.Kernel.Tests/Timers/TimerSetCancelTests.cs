using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests.Timers;

/// <summary>KeSetTimerEx / KeCancelTimer rules: due times, re-setting, cancelling, the table's order.</summary>
public sealed class TimerSetCancelTests
{
    [Fact]
    public void SetTimer_Relative_DueAtSetTimePlusInterval()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimer("t");

        Assert.False(kernel.SetTimer(timer, TimerDueTime.Relative(5_000)));

        Assert.True(timer.IsSet);
        Assert.Equal(TimerKit.Start + 5_000, timer.DueTimeNs);
        Assert.Equal(0, kernel.Timers.ExpireTimers(TimerKit.Start + 4_999));
        Assert.False(timer.IsSignaled);
        Assert.Equal(1, kernel.Timers.ExpireTimers(TimerKit.Start + 5_000));
        Assert.True(timer.IsSignaled);
        Assert.False(timer.IsSet);
    }

    [Fact]
    public void SetTimer_Absolute_DueAtThatInstantWhateverTheClock()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimer();
        clock.Advance(3_000);

        kernel.SetTimer(timer, TimerDueTime.Absolute(TimerKit.Start + 7_000));

        Assert.Equal(TimerKit.Start + 7_000, timer.DueTimeNs);
        Assert.Equal(TimerKit.Start + 7_000, kernel.Timers.NextHardwareExpiryNs);
        Assert.Equal(0, kernel.Timers.ExpireTimers(TimerKit.Start + 6_999));
        Assert.Equal(1, kernel.Timers.ExpireTimers(TimerKit.Start + 7_000));
    }

    [Fact]
    public void SetTimer_AbsoluteInThePast_ExpiresAtNextPass()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimer();

        kernel.SetTimer(timer, TimerDueTime.Absolute(TimerKit.Start - 1));

        Assert.Equal(1, kernel.Timers.ExpireTimers(clock.NowNs));
    }

    [Fact]
    public void FromWindows_NegativeIsRelativeIn100NsUnits_PositiveIsAbsolute()
    {
        Assert.Equal(TimerDueTime.Relative(1_500), TimerDueTime.FromWindows(-15));
        Assert.Equal(TimerDueTime.Absolute(2_000), TimerDueTime.FromWindows(20));
        Assert.Equal(1_000 + 1_500, TimerDueTime.FromWindows(-15).ResolveNs(1_000));
        Assert.Equal(2_000, TimerDueTime.FromWindows(20).ResolveNs(1_000));
    }

    [Fact]
    public void SetTimer_AlreadySet_ReturnsTrueAndCancelsTheOldExpiry()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(5_000));

        Assert.True(kernel.SetTimer(timer, TimerDueTime.Relative(10_000)));

        Assert.Equal(1, kernel.Timers.Count);
        Assert.Equal(0, kernel.Timers.ExpireTimers(TimerKit.Start + 5_000));
        Assert.Equal(1, kernel.Timers.ExpireTimers(TimerKit.Start + 10_000));
        Assert.Equal(1, timer.ExpirationCount);
    }

    [Fact]
    public void SetTimer_OneShotAlreadyExpired_ReturnsFalseAndResetsSignaledState()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(0));
        kernel.Timers.ExpireTimers(clock.NowNs);
        Assert.True(timer.IsSignaled);

        Assert.False(kernel.SetTimer(timer, TimerDueTime.Relative(1_000)));

        Assert.False(timer.IsSignaled);
        Assert.True(timer.IsSet);
    }

    [Fact]
    public void CancelTimer_Set_ReturnsTrueAndTimerNeverExpires()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var runs = new List<(long, long, long)>();
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(1_000), 0, TimerKit.Recording(kernel, runs));

        Assert.True(kernel.CancelTimer(timer));

        Assert.False(timer.IsSet);
        Assert.Equal(long.MaxValue, kernel.Timers.NextHardwareExpiryNs);
        Assert.Equal(0, kernel.Timers.ExpireTimers(TimerKit.Start + 1_000_000));
        kernel.RunDpcs(1);
        Assert.Empty(runs);
    }

    [Fact]
    public void CancelTimer_NotSet_ReturnsFalse()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimer();

        Assert.False(kernel.CancelTimer(timer));
        kernel.SetTimer(timer, TimerDueTime.Relative(0));
        kernel.Timers.ExpireTimers(clock.NowNs);
        Assert.False(kernel.CancelTimer(timer));
    }

    [Fact]
    public void CancelTimer_PeriodicWithDpcQueuedByExpiry_ReturnsTrueStopsFurtherExpiriesAndTheQueuedDpcStillRuns()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var runs = new List<(long, long, long)>();
        var dpc = TimerKit.Recording(kernel, runs);
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(1_000), 1_000, dpc);
        kernel.Timers.ExpireTimers(TimerKit.Start + 1_000);
        Assert.Equal([dpc], kernel.QueuedDpcs(1));

        Assert.True(kernel.CancelTimer(timer));

        Assert.Equal([dpc], kernel.QueuedDpcs(1)); // KeCancelTimer leaves a queued DPC alone
        Assert.Equal(0, kernel.Timers.ExpireTimers(TimerKit.Start + 10_000));
        kernel.RunDpcs(1);
        Assert.Equal([(TimerKit.Start + 1_000, 1L)], runs.Select(r => (r.Item1, r.Item2)));
    }

    [Fact]
    public void CancelTimer_OneShotExpiredDpcStillQueued_ReturnsFalseAndIsANoOp()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var runs = new List<(long, long, long)>();
        var timer = kernel.InitializeTimer();
        var dpc = TimerKit.Recording(kernel, runs);
        kernel.SetTimer(timer, TimerDueTime.Relative(1_000), 0, dpc);
        kernel.Timers.ExpireTimers(TimerKit.Start + 1_000);

        Assert.False(kernel.CancelTimer(timer));

        Assert.Equal([dpc], kernel.QueuedDpcs(1));
        Assert.True(timer.IsSignaled);
        kernel.RunDpcs(1);
        Assert.Single(runs);
    }

    [Fact]
    public void CancelTimer_ExpiredTimersDpcQueuedOnAStartedKernel_FlushQueuedDpcsWaitsForItsRun()
    {
        // The Windows pattern: KeCancelTimer, then KeFlushQueuedDpcs before freeing what the DPC touches.
        using var kernel = KernelFactory.Threaded(DpcWaitStrategy.Blocking);
        kernel.ClockTick(); // clock-driven: the Low DPC queued on another core waits for a tick that never comes
        var ran = 0;
        var dpc = kernel.InitializeDpc((_, _, _, _) => Interlocked.Increment(ref ran), name: "timer-dpc");
        dpc.SetTargetProcessor(0);
        dpc.SetImportance(DpcImportance.Low); // a Low DPC asks for no drain: it waits in the queue
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(0), 0, dpc);
        kernel.Timers.ExpireTimers(kernel.Clock.NowNs);

        kernel.CancelTimer(timer);
        kernel.FlushQueuedDpcs();

        Assert.Equal(1, Volatile.Read(ref ran));
    }

    [Fact]
    public void ExpireTimers_ManyTimersSetAndCancelledInRandomOrder_ExpireInDueOrder()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var order = new List<int>();
        var random = new Random(6);
        var timers = new List<(KernelTimer Timer, long Due, int Id)>();
        for (var i = 0; i < 200; i++)
        {
            var id = i;
            var due = TimerKit.Start + random.Next(1, 1_000_000);
            var timer = kernel.InitializeTimer($"t{i}");
            kernel.SetTimer(timer, TimerDueTime.Absolute(due), 0, kernel.InitializeDpc((_, _, _, _) => order.Add(id)));
            timers.Add((timer, due, id));
        }

        var cancelled = timers.Where(_ => random.Next(3) == 0).ToList();
        foreach (var c in cancelled)
        {
            Assert.True(kernel.CancelTimer(c.Timer));
        }

        // Re-set a few to later instants: the old position must disappear from both heaps.
        var moved = timers.Except(cancelled).Take(10).ToList();
        var expected = timers.Except(cancelled).Except(moved).ToList();
        foreach (var m in moved)
        {
            Assert.True(kernel.SetTimer(m.Timer, TimerDueTime.Absolute(m.Due + 2_000_000), 0, m.Timer.Dpc));
            expected.Add((m.Timer, m.Due + 2_000_000, m.Id));
        }

        Assert.Equal(expected.Count, kernel.Timers.Count);
        Assert.Equal(expected.Min(e => e.Due), kernel.Timers.NextHardwareExpiryNs);

        Assert.Equal(expected.Count, kernel.Timers.ExpireTimers(TimerKit.Start + 10_000_000));
        kernel.RunDpcs(1);

        Assert.Equal(expected.OrderBy(e => e.Due).ThenBy(e => expected.IndexOf(e)).Select(e => e.Id), order);
        Assert.Equal(0, kernel.Timers.Count);
        Assert.Equal(long.MaxValue, kernel.Timers.NextHardwareExpiryNs);
    }

    [Fact]
    public void SetTimer_TimerOfAnotherKernel_Throws()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        using var other = TimerKit.Manual(clock);

        Assert.Throws<ArgumentException>(() => kernel.SetTimer(other.InitializeTimer(), TimerDueTime.Relative(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => kernel.SetTimer(kernel.InitializeTimer(), TimerDueTime.Relative(1), -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TimerDueTime.Relative(-1));
    }
}
