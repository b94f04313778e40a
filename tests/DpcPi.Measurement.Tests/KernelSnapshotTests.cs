using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.TestSupport;

namespace DpcPi.Measurement.Tests;

public sealed class KernelSnapshotTests
{
    /// <summary>A manual kernel on a virtual clock: <paramref name="events"/> DPC runs on CPU 0, 10 µs apart, edge→DPC start (i+1) µs, half of them in second 1.</summary>
    private static (DpcKernel Kernel, VirtualClock Clock) Scenario(int events = 40)
    {
        var clock = new VirtualClock();
        var kernel = new DpcKernel(new KernelOptions { Processors = [0, 1], IsrProcessor = 1, StartThreads = false, Realtime = false, Pin = false, MinimumDpcRate = 0, TimelineSeconds = 60, Clock = clock });
        kernel.Start();
        var dpc = kernel.InitializeDpc((_, _, _, _) => clock.Advance(1_000), name: "Counted");
        dpc.SetTargetProcessor(0);
        var controller = new TestInterruptController();
        kernel.ConnectInterrupt(1, (_, _, ref _) => kernel.InsertQueueDpc(dpc), null, controller, name: "edge");
        for (var i = 0; i < events; i++)
        {
            if (i == events / 2)
            {
                clock.Set(kernel.EpochNs + 1_000_000_000);
            }

            var edge = clock.NowNs;
            controller.Raise(1, edge);
            kernel.PollInterrupts(controller);
            clock.Advance((i + 1) * 1_000L);
            kernel.RunDpcs(0);
        }

        return (kernel, clock);
    }

    [Fact]
    public void Refresh_ManualKernel_MergesStagesAndComputesPerSecondMaximaOnce()
    {
        var (kernel, _) = Scenario();
        using var _k = kernel;

        var s = KernelSnapshot.Take(kernel);

        Assert.Equal(40, s.EdgeToDpcStart.TotalCount);
        Assert.Equal(kernel.MergeStage(LatencyStage.EdgeToDpcStart).Max, s.EdgeToDpcStart.Max);
        Assert.Equal(2, s.TimelineLength);
        Assert.Equal(kernel.GetRecorder(0).MaxInSecond(0), s.MaxInSecond(0));
        Assert.Equal(kernel.GetRecorder(0).MaxInSecond(1), s.MaxInSecond(1));
        Assert.Equal(0, s.MaxInSecond(2));
        Assert.Equal(40, s.Cores.Single(c => c.Cpu == 0).EdgeToDpcStart.TotalCount);
        Assert.Equal(40, s.DpcsRun);
        Assert.Equal(40, s.DeviceInterrupts);
        Assert.Equal(40, s.Vectors.Single(v => v.Vector == 1).EdgeToIsr.TotalCount);
        Assert.Equal(40, s.Dpcs.Single().Statistics.RunCount);
        Assert.Equal(40, s.Dpcs.Single().ExecutionTime.TotalCount);
    }

    [Fact]
    public void Refresh_Totals_SteadyStateAllocatesNothing()
    {
        var (kernel, _) = Scenario();
        using var _k = kernel;
        var s = new KernelSnapshot(kernel, SnapshotDetail.Totals);
        s.Refresh(); // binds the interrupts and DPCs

        var rounds = AllocationRounds.Measure(() => s.Refresh());

        Assert.True(rounds.Steady, $"bytes per refresh: {rounds}");
        Assert.Equal(40, s.EdgeToDpcStart.TotalCount);
    }

    [Fact]
    public void Refresh_Rebind_FindsInterruptsConnectedAfterTheFirstRefresh()
    {
        var clock = new VirtualClock();
        using var kernel = new DpcKernel(new KernelOptions { Processors = [0], StartThreads = false, Realtime = false, Pin = false, Clock = clock });
        var s = new KernelSnapshot(kernel, SnapshotDetail.Totals);
        s.Refresh();
        Assert.Empty(s.Vectors);

        using var controller = new TestInterruptController();
        kernel.ConnectInterrupt(1, (_, _, ref _) => true, null, controller, name: "late");
        s.Refresh();
        Assert.Empty(s.Vectors); // bound once: a refresh reads figures only
        s.Refresh(rebind: true);
        Assert.Equal("late", s.Vectors.Single().Name);
    }
}
