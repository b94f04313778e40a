using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;

namespace DpcPi.Kernel.Tests.Timers;

/// <summary>What an expiry does: DPC arguments, expiry→DPC latency, periodic re-arm, re-queue while running.</summary>
public sealed class TimerExpiryTests
{
    [Fact]
    public void ExpireTimers_TimerWithDpc_PassesProgrammedExpiryAndExpirationCountAsSystemArguments()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var runs = new List<(long Arg1, long Arg2, long AtNs)>();
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(10_000), 10_000, TimerKit.Recording(kernel, runs));

        for (var i = 1; i <= 3; i++)
        {
            clock.Advance(10_000 + 7); // every pass a little late
            kernel.Timers.ExpireTimers(clock.NowNs);
            kernel.RunDpcs(1);
        }

        Assert.Equal(
            [(TimerKit.Start + 10_000, 1L), (TimerKit.Start + 20_000, 2L), (TimerKit.Start + 30_000, 3L)],
            runs.Select(r => (r.Arg1, r.Arg2)));
        Assert.Equal(3, timer.ExpirationCount);
    }

    [Fact]
    public void ExpireTimers_PassLate_ExpiryToDpcLatencyRecordedExactly()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var runs = new List<(long Arg1, long Arg2, long AtNs)>();
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(50_000), 0, TimerKit.Recording(kernel, runs));

        clock.Advance(51_000); // the expiry pass comes 1,000 ns after the programmed expiry
        kernel.Timers.ExpireTimers(clock.NowNs);
        clock.Advance(500); // the DPC starts 500 ns after it was queued
        kernel.RunDpcs(1);

        var recorder = kernel.GetRecorder(1);
        Assert.Equal(1, recorder[LatencyStage.EdgeToDpcStart].TotalCount);
        Assert.Equal(1_500, recorder[LatencyStage.EdgeToDpcStart].Min);
        Assert.Equal(1_500, recorder[LatencyStage.EdgeToDpcStart].Max);
        Assert.Equal(500, recorder[LatencyStage.QueueWait].Max);
        Assert.Equal(1_500, kernel.MergeStage(LatencyStage.EdgeToDpcStart).Max);
        Assert.Equal(TimerKit.Start + 50_000, runs.Single().Arg1);
    }

    [Fact]
    public void ExpireTimers_Periodic_RearmsFromProgrammedDueWithoutDrift()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(1_000), 1_000);

        kernel.Timers.ExpireTimers(TimerKit.Start + 1_300);

        Assert.True(timer.IsSet);
        Assert.Equal(TimerKit.Start + 2_000, timer.DueTimeNs);
        Assert.Equal(TimerKit.Start + 2_000, kernel.Timers.NextHardwareExpiryNs);
        Assert.Equal(0, timer.MissedPeriods);
    }

    [Fact]
    public void ExpireTimers_PeriodicPassMorePeriodsLate_ExpiresOnceAndCountsMissedPeriods()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(1_000), 1_000);

        Assert.Equal(1, kernel.Timers.ExpireTimers(TimerKit.Start + 4_500));

        Assert.Equal(1, timer.ExpirationCount);
        Assert.Equal(3, timer.MissedPeriods);
        Assert.Equal(TimerKit.Start + 5_000, timer.DueTimeNs);
    }

    [Fact]
    public void ExpireTimers_PeriodicDpcRunning_QueuesItAgainAndItRunsAgain()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var timer = kernel.InitializeTimer();
        var runs = new List<long>();
        var queuedDuringFirstRun = false;
        var expiredDuringFirstRun = 0;
        Dpc? self = null;
        self = kernel.InitializeDpc((_, _, _, count) =>
        {
            runs.Add(count);
            if (count == 1)
            {
                // The routine outlives a period: the next expiry queues this same DPC while it runs.
                clock.Advance(1_000);
                expiredDuringFirstRun = kernel.Timers.ExpireTimers(clock.NowNs);
                queuedDuringFirstRun = kernel.QueuedDpcs(1).Contains(self!);
            }
        });
        kernel.SetTimer(timer, TimerDueTime.Relative(1_000), 1_000, self);
        clock.Advance(1_000);
        kernel.Timers.ExpireTimers(clock.NowNs);

        kernel.RunDpcs(1);

        Assert.Equal(1, expiredDuringFirstRun);
        Assert.True(queuedDuringFirstRun);
        Assert.Equal([1L, 2L], runs);
        Assert.Equal(2, self.GetStatistics().RunCount);
        Assert.Equal(0, self.GetStatistics().CoalescedInserts);
    }

    [Fact]
    public void ExpireTimers_DpcStillQueuedFromLastExpiry_InsertCoalescesAndFirstArgumentsStay()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var runs = new List<(long Arg1, long Arg2, long AtNs)>();
        var dpc = TimerKit.Recording(kernel, runs);
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(1_000), 1_000, dpc);

        kernel.Timers.ExpireTimers(TimerKit.Start + 1_000);
        kernel.Timers.ExpireTimers(TimerKit.Start + 2_000);
        kernel.RunDpcs(1);

        Assert.Equal(2, timer.ExpirationCount);
        Assert.Equal((TimerKit.Start + 1_000, 1L), (runs.Single().Arg1, runs.Single().Arg2));
        Assert.Equal(1, dpc.GetStatistics().CoalescedInserts);
    }

    [Fact]
    public void ExpireTimers_DpcWithTargetProcessor_QueuesOnTheTarget()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var runs = new List<(long, long, long)>();
        var dpc = TimerKit.Recording(kernel, runs);
        dpc.SetTargetProcessor(0);
        var timer = kernel.InitializeTimer();
        kernel.SetTimer(timer, TimerDueTime.Relative(0), 0, dpc);

        kernel.Timers.ExpireTimers(clock.NowNs);

        Assert.Equal([dpc], kernel.QueuedDpcs(0));
        Assert.Empty(kernel.QueuedDpcs(1));
    }

    [Fact]
    public void ExpireTimers_Counters_CountExpirationsAndPasses()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = TimerKit.Manual(clock);
        var a = kernel.InitializeTimer();
        var b = kernel.InitializeTimer();
        kernel.SetTimer(a, TimerDueTime.Relative(1_000));
        kernel.SetTimer(b, TimerDueTime.Relative(1_000));

        kernel.Timers.ExpireTimers(TimerKit.Start + 500);
        kernel.Timers.ExpireTimers(TimerKit.Start + 1_000);

        Assert.Equal(1, kernel.Timers.HardwareTimerInterrupts);
        Assert.Equal(1, kernel.Timers.EmptyExpiryPasses);
        Assert.Equal(2, kernel.Timers.TimerExpirations);
    }
}
