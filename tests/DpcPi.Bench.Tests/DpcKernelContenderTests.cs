using DpcPi.Bench.Contenders;
using DpcPi.Kernel;

namespace DpcPi.Bench.Tests;

[Collection(nameof(BenchCollection))]
public sealed class DpcKernelContenderTests
{
    [Fact]
    public void Publish_PacedThenBurst_PacedEventsShareTheIsrDpcAndBurstEventsUseTheRing()
    {
        var cpus = DpcPi.Platform.ThreadControl.GetAllowedCpus();
        var consumer = cpus[^1];
        var sink = new BenchSink(concurrent: false);
        using var contender = new DpcKernelContender(DpcWaitStrategy.SpinThenBlock, realtime: false, spinDuration: null, producerCpu: cpus[0]);
        contender.Start(sink, consumer, capacity: 8);

        const int paced = 20;
        for (var i = 0; i < paced; i++)
        {
            contender.Publish(DpcPi.Platform.MonotonicClock.NowNs);
            WaitHandled(sink, i + 1);
        }

        contender.ThroughputPhase(starting: true);
        for (var i = 0; i < 8; i++)
        {
            contender.Publish(DpcPi.Platform.MonotonicClock.NowNs); // 8 in flight at most: the ring's size
        }

        WaitHandled(sink, paced + 8);
        contender.ThroughputPhase(starting: false);
        contender.Publish(DpcPi.Platform.MonotonicClock.NowNs); // paced again
        WaitHandled(sink, paced + 9);
        contender.Kernel!.FlushQueuedDpcs(); // the run counts are written after each routine returns

        Assert.Equal(0, contender.Rejected);
        Assert.Equal(paced + 1, contender.DpcForIsr!.GetStatistics().RunCount);
        Assert.Equal(0, contender.DpcForIsr.GetStatistics().CoalescedInserts);
        Assert.All(contender.BurstRing, d => Assert.Equal(1, d.GetStatistics().RunCount));
        Assert.DoesNotContain(contender.DpcForIsr, contender.BurstRing);
    }

    private static void WaitHandled(BenchSink sink, long count)
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (sink.Handled < count)
        {
            Assert.True(Environment.TickCount64 < deadline, $"only {sink.Handled} of {count} events handled after 10 s");
            Thread.Yield();
        }
    }
}
