using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.TestSupport;

namespace DpcPi.Kernel.Tests;

/// <summary>The hot path (interrupt → ISR → insert → drain) must allocate nothing per interrupt.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void InterruptToDpc_SteadyStateOnOneThread_AllocatesZeroBytes()
    {
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Manual();
        var runs = 0L;
        var device = kernel.CreateDevice("dev", (_, _, _, _) => runs++);
        kernel.ConnectInterrupt(1, (_, ctx, ref f) => ((DeviceObject)ctx!).RequestDpc((nint)f.Sequence), device, controller);
        var cpu = kernel.IsrProcessor;

        void Cycle(int n)
        {
            for (var i = 0; i < n; i++)
            {
                controller.Raise(1, kernel.Clock.NowNs);
                kernel.PollInterrupts(controller);
                kernel.RunDpcs(cpu);
            }
        }

        // Steady state = after the JIT has finished tiering the path up (it compiles in the
        // background and may allocate on this thread while installing code): three consecutive
        // rounds of 10,000 interrupts with zero bytes. A real per-interrupt allocation makes every
        // round allocate at least 10,000 × its size, so this cannot pass by luck.
        Cycle(2_000);
        var rounds = AllocationRounds.Measure(() => Cycle(10_000));

        Assert.True(rounds.Steady, $"bytes allocated per round of 10,000 interrupts: {rounds}");
        Assert.Equal(2_000 + (rounds.Count * 10_000), runs);
        Assert.Equal(runs, kernel.MergeStage(LatencyStage.EdgeToDpcStart).TotalCount);
    }

    [Fact]
    public void InterruptToDpc_SteadyStateOnRealThreads_IsrAndWorkerAllocateZeroBytes()
    {
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Threaded(controller: controller);
        var (isrBytes, dpcBytes) = RealThreadAllocations.Measure(kernel, controller);

        Assert.Equal(0, isrBytes);
        Assert.Equal(0, dpcBytes);
    }
}
