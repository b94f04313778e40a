using DpcPi.Interrupts;
using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Interrupts.Tests;

public sealed class TimerInterruptSourceTests
{
    [Fact]
    public void Service_Expiry_DispatchesWithProgrammedExpiryAsTimestamp()
    {
        using var controller = new EpollInterruptController();
        using var timer = new TimerInterruptSource();
        using var kernel = new DpcKernel(new KernelOptions { Processors = [0], StartThreads = false, Realtime = false, Pin = false });
        var stamps = new List<long>();
        kernel.ConnectInterrupt(1, (_, _, ref f) =>
        {
            stamps.Add(f.TimestampNs);
            return true;
        }, source: timer);
        controller.Register(timer.Handle, 1);
        var first = MonotonicClock.NowNs + 2_000_000;

        timer.Start(first, 1_000_000);
        while (stamps.Count < 3)
        {
            kernel.PollInterrupts(controller, 1000);
        }

        timer.Stop();
        // Each timestamp is an exact multiple of the period after the first expiry, the first is the first expiry,
        // and each later one is the expiry after those of the interrupts before it (merged ones are counted, not hidden).
        Assert.Equal(first, stamps[0]);
        Assert.All(stamps, s => Assert.Equal(0, (s - first) % 1_000_000));
        Assert.Equal(stamps, stamps.Order());
        Assert.Equal((long)timer.Expirations - stamps.Count, timer.Overruns);
    }

    [Fact]
    public void Service_IsrLateBySeveralPeriods_StampsTheOldestExpiryAndCountsTheRestAsOverruns()
    {
        using var controller = new EpollInterruptController();
        using var timer = new TimerInterruptSource();
        using var kernel = new DpcKernel(new KernelOptions { Processors = [0], StartThreads = false, Realtime = false, Pin = false });
        var frames = new List<(long Stamp, int Merged)>();
        kernel.ConnectInterrupt(1, (_, _, ref f) =>
        {
            frames.Add((f.TimestampNs, f.Code));
            return true;
        }, source: timer);
        controller.Register(timer.Handle, 1);
        var first = MonotonicClock.NowNs + 1_000_000;

        timer.Start(first, 1_000_000);
        Thread.Sleep(8); // the ISR is late: at least six expiries have passed when it first runs
        kernel.PollInterrupts(controller, 1000);
        timer.Stop();

        var (stamp, merged) = Assert.Single(frames);
        Assert.Equal(first, stamp); // pending since the first expiry: its latency is the whole delay, not under a period
        Assert.InRange(merged, 5, int.MaxValue);
        Assert.Equal(merged, timer.Overruns);
        Assert.Equal((ulong)merged + 1, timer.Expirations);
        Assert.True(MonotonicClock.NowNs - stamp >= 7_000_000);
    }
}
