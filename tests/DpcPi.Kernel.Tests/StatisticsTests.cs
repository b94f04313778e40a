using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

public sealed class StatisticsTests
{
    [Fact]
    public void Statistics_AfterRuns_CountRunsQueuedHighWaterTimeAndSlowestRoutine()
    {
        var clock = new VirtualClock();
        using var kernel = KernelFactory.Manual(clock: clock);
        var fast = kernel.InitializeDpc((_, _, _, _) => clock.Advance(1_000), name: "fast");
        var slow = kernel.InitializeDpc((_, _, _, _) => clock.Advance(9_000), name: "slow");
        fast.SetTargetProcessor(0);
        slow.SetTargetProcessor(0);

        kernel.InsertQueueDpc(fast);
        kernel.InsertQueueDpc(slow);
        kernel.InsertQueueDpc(slow);
        kernel.RunDpcs(0);
        kernel.InsertQueueDpc(fast);
        kernel.RunDpcs(0);

        var s = kernel.GetProcessorStatistics(0);
        Assert.Equal(3, s.DpcsRun);
        Assert.Equal(3, s.DpcsQueued);
        Assert.Equal(1, s.CoalescedInserts);
        Assert.Equal(2, s.QueueDepthHighWater);
        Assert.Equal(11_000, s.TimeInDpcNs);
        Assert.Equal(9_000, s.MaxDpcExecutionNs);
        Assert.Equal("slow", s.MaxDpcRoutine);
        Assert.Equal(0, s.QueueDepth);
        Assert.Equal(2, fast.GetStatistics().RunCount);
        Assert.Equal(9_000, slow.GetStatistics().MaxExecutionNs);
        Assert.Equal(2, fast.ExecutionTime.TotalCount);
    }

    [Fact]
    public void Timeline_KernelStartedLateAfterCreation_CountsSecondsFromTheStart()
    {
        var clock = new VirtualClock();
        using var kernel = KernelFactory.Manual(clock: clock);
        var dpc = kernel.InitializeDpc((_, _, _, _) => { });
        dpc.SetTargetProcessor(0);
        clock.Advance(3_500_000_000); // e.g. a warm-up between creating the kernel and starting it

        kernel.Start();
        clock.Advance(200_000_000);
        kernel.InsertQueueDpc(dpc);
        clock.Advance(5_000);
        kernel.RunDpcs(0);

        var recorder = kernel.GetRecorder(0);
        Assert.Equal(1, recorder.TimelineLength);
        Assert.Equal(5_000, recorder.MaxInSecond(0));
    }
}
