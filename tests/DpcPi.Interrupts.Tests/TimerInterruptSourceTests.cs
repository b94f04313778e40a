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
        // Each timestamp is an exact multiple of the period after the first expiry (missed ones are skipped, not hidden).
        Assert.Equal(first, stamps[0] - ((stamps[0] - first) / 1_000_000 * 1_000_000));
        Assert.All(stamps, s => Assert.Equal(0, (s - first) % 1_000_000));
        Assert.Equal((ulong)((stamps[^1] - first) / 1_000_000) + 1, timer.Expirations);
        Assert.Equal((long)timer.Expirations - stamps.Count, timer.Overruns);
    }
}
