using DpcPi.Kernel.Measurement;
using DpcPi.TestSupport;

namespace DpcPi.Kernel.Tests;

/// <summary>The flight recorder: what it keeps, how a late interrupt freezes it, and that recording allocates nothing.</summary>
public sealed class FlightRecorderTests
{
    // A second: no ordinary cycle on a busy CI machine takes that long, so only the test's own late edges freeze it.
    private const long ThresholdNs = 1_000_000_000;

    private static DpcKernel Manual(int events = 64) => new(new KernelOptions
    {
        Processors = [0, 1],
        IsrProcessor = 1,
        StartThreads = false,
        Realtime = false,
        Pin = false,
        MinimumDpcRate = 0,
        FlightRecorderEvents = events,
        FlightRecorderThresholdNs = ThresholdNs,
    });

    [Fact]
    public void RecordDpc_InterruptOverThreshold_FreezesOnItsDpcRun()
    {
        using var controller = new TestInterruptController();
        using var kernel = Manual();
        var device = kernel.CreateDevice("dev", (_, _, _, _) => { });
        var interrupt = kernel.ConnectInterrupt(1, (_, ctx, ref f) => ((DeviceObject)ctx!).RequestDpc((nint)f.Sequence), device, controller);
        var recorder = kernel.Figures.FlightRecorder!;

        void Cycle(long edgeNs)
        {
            controller.Raise(1, edgeNs);
            kernel.PollInterrupts(controller);
            kernel.RunDpcs(kernel.Figures.IsrProcessor);
        }

        for (var i = 0; i < 10; i++)
        {
            Cycle(kernel.Clock.NowNs);
        }

        Assert.False(recorder.TryGetTrigger(out _));
        Cycle(kernel.Clock.NowNs - (5 * ThresholdNs)); // cycle 11: its edge 5 s ago
        var isrsAtFreeze = recorder.Tracks[0].Written;
        Cycle(kernel.Clock.NowNs - (5 * ThresholdNs)); // late again while frozen: counted, not recorded
        Cycle(kernel.Clock.NowNs);

        Assert.True(recorder.TryGetTrigger(out var window));
        var culprit = Assert.NotNull(window.Culprit);
        Assert.Equal(FlightEventKind.Dpc, culprit.Kind);
        Assert.Equal(11, culprit.Cycle);
        Assert.Same(interrupt, culprit.Interrupt);
        Assert.Same(device.DpcForIsr, culprit.Dpc);
        Assert.True(culprit.StartNs - culprit.EventNs >= 5 * ThresholdNs);
        Assert.Equal(isrsAtFreeze, recorder.Tracks[0].Written);
        Assert.Equal(1, recorder.Missed);
        Assert.Equal(1, recorder.Triggers);

        // The ISR of the culprit is on the ISR thread's track, stamped in order.
        var isr = window.Tracks[0].Events.Single(e => e.Cycle == 11);
        Assert.True(isr.EventNs <= isr.StartNs && isr.StartNs <= isr.EndNs && isr.EndNs <= culprit.StartNs);
        Assert.True(culprit.QueuedNs >= isr.StartNs && culprit.QueuedNs <= culprit.StartNs && culprit.StartNs <= culprit.EndNs);

        recorder.Resume();
        Cycle(kernel.Clock.NowNs);
        Assert.Equal(isrsAtFreeze + 1, recorder.Tracks[0].Written);
        Assert.False(recorder.TryGetTrigger(out _));
    }

    [Fact]
    public void Copy_RingWrappedManyTimes_KeepsTheNewestInOrder()
    {
        using var controller = new TestInterruptController();
        using var kernel = Manual(events: 16);
        var device = kernel.CreateDevice("dev", (_, _, _, _) => { });
        kernel.ConnectInterrupt(1, (_, ctx, ref f) => ((DeviceObject)ctx!).RequestDpc((nint)f.Sequence), device, controller);
        for (var i = 0; i < 100; i++)
        {
            controller.Raise(1, kernel.Clock.NowNs);
            kernel.PollInterrupts(controller);
            kernel.RunDpcs(kernel.Figures.IsrProcessor);
        }

        var isrs = kernel.Figures.FlightRecorder!.Copy().Tracks[0];

        Assert.InRange(isrs.Events.Length, 14, 16);
        Assert.Equal(100, isrs.Events[^1].Cycle);
        Assert.Equal(isrs.FirstIndex + 1, isrs.Events[0].Cycle); // cycles count from 1, indexes from 0
        Assert.Equal(Enumerable.Range((int)isrs.Events[0].Cycle, isrs.Events.Length).Select(c => (long)c), isrs.Events.Select(e => e.Cycle));
    }

    [Fact]
    public void Options_FlightRecorderEventsNotAPowerOfTwo_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DpcKernel(new KernelOptions { StartThreads = false, FlightRecorderEvents = 1000 }));
        Assert.Contains("power of two", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InterruptToDpc_RecorderOnSteadyStateOnOneThread_AllocatesZeroBytes()
    {
        using var controller = new TestInterruptController();
        using var kernel = Manual(events: 1024);
        var device = kernel.CreateDevice("dev", (_, _, _, _) => { });
        kernel.ConnectInterrupt(1, (_, ctx, ref f) => ((DeviceObject)ctx!).RequestDpc((nint)f.Sequence), device, controller);
        var cpu = kernel.Figures.IsrProcessor;

        void Cycle(int n)
        {
            for (var i = 0; i < n; i++)
            {
                controller.Raise(1, kernel.Clock.NowNs);
                kernel.PollInterrupts(controller);
                kernel.RunDpcs(cpu);
            }
        }

        Cycle(2_000);
        var rounds = AllocationRounds.Measure(() => Cycle(10_000));

        Assert.True(rounds.Steady, $"bytes allocated per round of 10,000 interrupts: {rounds}");
        Assert.False(kernel.Figures.FlightRecorder!.IsFrozen); // it recorded every one of them
        Assert.Equal(2_000 + (rounds.Count * 10_000), kernel.Figures.FlightRecorder.Tracks[0].Written);
        Assert.Equal(kernel.Figures.FlightRecorder.Tracks[0].Written, kernel.MergeStage(LatencyStage.EdgeToDpcStart).TotalCount);
    }

    [Fact]
    public void InterruptToDpc_RecorderOnRealThreads_IsrAndWorkerAllocateZeroBytes()
    {
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Threaded(controller: controller, configure: o =>
        {
            o.FlightRecorderEvents = 1024;
            o.FlightRecorderThresholdNs = long.MaxValue / 2; // records every run, never freezes
        });
        var (isrBytes, dpcBytes) = RealThreadAllocations.Measure(kernel, controller);

        Assert.Equal(0, isrBytes);
        Assert.Equal(0, dpcBytes);
        Assert.True(kernel.Figures.FlightRecorder!.Tracks.Sum(t => t.Written) >= 2 * (RealThreadAllocations.Warmup + RealThreadAllocations.Measured)); // every ISR and DPC run recorded
    }
}
