using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests.Timers;

/// <summary>KeQueryDpcWatchdogInformation: a DPC routine reads the watchdog's limits and what it has left of them (virtual clock: exact).</summary>
public sealed class WatchdogInformationTests
{
    private static DpcKernel Manual(VirtualClock clock) => TimerKit.Manual(clock, configure: o =>
    {
        o.WatchdogDpcLimitNs = 100_000;
        o.WatchdogCumulativeLimitNs = 1_000_000;
    });

    [Fact]
    public void QueryDpcWatchdogInformation_InDpcRoutines_ReturnsLimitsAndTimeLeftOfRoutineAndDrain()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = Manual(clock);
        var seen = new List<(bool Ok, DpcWatchdogInformation Info)>();
        Dpc Make(long runNs)
        {
            var d = kernel.InitializeDpc((_, _, _, _) =>
            {
                clock.Advance(runNs);
                seen.Add((DpcKernel.QueryDpcWatchdogInformation(out var info), info));
            });
            d.SetTargetProcessor(0);
            return d;
        }

        kernel.InsertQueueDpc(Make(30_000));
        kernel.InsertQueueDpc(Make(50_000)); // the same drain: the cumulative clock keeps running

        kernel.RunDpcs(0);

        Assert.Equal([(true, new DpcWatchdogInformation(100_000, 70_000, 1_000_000, 970_000)), (true, new DpcWatchdogInformation(100_000, 50_000, 1_000_000, 920_000))], seen);
    }

    [Fact]
    public void QueryDpcWatchdogInformation_RoutinePastItsLimit_ReportsNothingLeft()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = Manual(clock);
        DpcWatchdogInformation info = default;
        var dpc = kernel.InitializeDpc((_, _, _, _) =>
        {
            clock.Advance(1_500_000);
            DpcKernel.QueryDpcWatchdogInformation(out info);
        });
        dpc.SetTargetProcessor(0);
        kernel.InsertQueueDpc(dpc);

        kernel.RunDpcs(0);

        Assert.Equal(new DpcWatchdogInformation(100_000, 0, 1_000_000, 0), info);
    }

    [Fact]
    public void QueryDpcWatchdogInformation_OutsideDpcOrInThreadedDpc_ReturnsFalseWithZeros()
    {
        var clock = new VirtualClock(TimerKit.Start);
        using var kernel = Manual(clock);
        var inThreaded = true;
        var threaded = kernel.InitializeThreadedDpc((_, _, _, _) => inThreaded = DpcKernel.QueryDpcWatchdogInformation(out _));
        threaded.SetTargetProcessor(0);
        kernel.InsertQueueDpc(threaded);
        kernel.RunDpcs(0);

        Assert.False(DpcKernel.QueryDpcWatchdogInformation(out var outside));
        Assert.Equal(default, outside);
        Assert.False(inThreaded); // PASSIVE, not watched, as in Windows
    }
}
