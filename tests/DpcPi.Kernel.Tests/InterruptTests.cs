using DpcPi.TestSupport;
using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

public sealed class InterruptTests
{
    [Fact]
    public void Dispatch_OnIsrThread_RunsIsrAtItsIrqlWithTimestamps()
    {
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Threaded(controller: controller);
        using var done = new ManualResetEventSlim();
        Irql seen = Irql.Passive;
        string? thread = null;
        long entry = 0;
        kernel.ConnectInterrupt(7, (_, _, ref f) =>
        {
            seen = DpcKernel.CurrentIrql;
            thread = Thread.CurrentThread.Name;
            entry = f.IsrEntryNs;
            done.Set();
            return true;
        }, source: controller, irql: Irql.Device + 2);
        var edge = kernel.Clock.NowNs;

        controller.Raise(7, edge);

        Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(Irql.Device + 2, seen);
        Assert.Equal("isr", thread);
        Assert.True(entry >= edge);
    }

    [Fact]
    public void RequestDpc_FromIsr_RunsDpcForIsrWithDeviceAndStageTimestamps()
    {
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Threaded(controller: controller);
        using var done = new ManualResetEventSlim();
        object? context = null;
        nint arg = 0;
        var device = kernel.CreateDevice("button", (_, ctx, a1, _) =>
        {
            context = ctx;
            arg = a1;
            done.Set();
        });
        var interrupt = kernel.ConnectInterrupt(3, (_, ctx, ref f) => ((DeviceObject)ctx!).RequestDpc((nint)f.Sequence), device, controller);

        controller.Raise(3, kernel.Clock.NowNs);

        Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
        Assert.Same(device, context);
        Assert.Equal((nint)1, arg);

        // The DPC can run on another core's worker before the ISR thread, back from the ISR, counts the
        // interrupt: the shutdown order waits for both sides before the figures are read.
        kernel.StopInterrupts();
        kernel.FlushQueuedDpcs();
        Assert.Equal(1, interrupt.Count);
        Assert.Equal(1, interrupt.EdgeToIsr.TotalCount);
        Assert.Equal(1, interrupt.EdgeToDpcStart.TotalCount);
        Assert.Equal(1, kernel.MergeStage(Measurement.LatencyStage.EdgeToDpcStart).TotalCount);
        Assert.Equal(1, kernel.MergeStage(Measurement.LatencyStage.QueueWait).TotalCount);
        Assert.Equal(1, kernel.MergeStage(Measurement.LatencyStage.DpcDuration).TotalCount);
    }

    [Fact]
    public void SynchronizeExecution_RacingIsr_IsMutuallyExclusive()
    {
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Threaded(controller: controller);
        const int n = 20_000;
        using var isrDone = new CountdownEvent(n);
        var shared = 0L; // deliberately non-atomic: only the interrupt lock protects it
        var interrupt = kernel.ConnectInterrupt(9, (_, _, ref _) =>
        {
            shared++;
            isrDone.Signal();
            return true;
        }, source: controller);

        var raiser = Task.Run(() =>
        {
            for (var i = 0; i < n; i++)
            {
                controller.Raise(9, 0);
                if ((i & 1023) == 0)
                {
                    Thread.Yield();
                }
            }
        });
        var heldLock = true;
        var irqlOk = true;
        for (var i = 0; i < n; i++)
        {
            DpcKernel.SynchronizeExecution(interrupt, _ =>
            {
                heldLock &= interrupt.SpinLock.IsHeldByCurrentThread;
                irqlOk &= DpcKernel.CurrentIrql == interrupt.Irql;
                shared++;
                return true;
            });
        }

        raiser.Wait();
        Assert.True(isrDone.Wait(TimeSpan.FromSeconds(30)));
        Assert.Equal(2L * n, shared);
        Assert.True(heldLock);
        Assert.True(irqlOk);
        Assert.Equal(Irql.Passive, DpcKernel.CurrentIrql);
    }

    [Fact]
    public void ConnectInterrupt_VectorInUse_ThrowsNamingOwner()
    {
        using var kernel = KernelFactory.Manual();
        kernel.ConnectInterrupt(5, (_, _, ref _) => true, name: "first");

        var ex = Assert.Throws<InvalidOperationException>(() => kernel.ConnectInterrupt(5, (_, _, ref _) => true));
        Assert.Contains("first", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Isr_ReturnsFalse_CountedAsUnhandled()
    {
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Manual();
        var interrupt = kernel.ConnectInterrupt(4, (_, _, ref _) => false, source: controller);

        controller.Raise(4, 0);
        kernel.PollInterrupts(controller);

        Assert.Equal(1, interrupt.Count);
        Assert.Equal(1, interrupt.Unhandled);
    }
}
