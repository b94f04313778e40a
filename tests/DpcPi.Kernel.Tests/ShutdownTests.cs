using DpcPi.TestSupport;
using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

/// <summary>Shutdown loses nothing: stop interrupts (servicing what is pending), flush, stop workers.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public void StopInterruptsThenFlush_InterruptsPendingAtStop_AllServicedAndTheirDpcsRun()
    {
        using var controller = new TestInterruptController();
        using var kernel = KernelFactory.Threaded(controller: controller);
        var runs = 0L;
        var device = kernel.CreateDevice("dev", (_, _, _, _) => Interlocked.Increment(ref runs));
        var interrupt = kernel.ConnectInterrupt(1, (_, ctx, ref _) => ((DeviceObject)ctx!).RequestDpc(), device, controller);
        const int n = 3_000;

        for (var i = 0; i < n; i++)
        {
            controller.Raise(1, kernel.Clock.NowNs);
        }

        kernel.StopInterrupts();
        kernel.FlushQueuedDpcs();
        var coalesced = device.DpcForIsr.GetStatistics().CoalescedInserts;
        kernel.Stop();

        Assert.Equal(n, interrupt.Count);
        Assert.Equal(n, Interlocked.Read(ref runs) + coalesced);
        Assert.Empty(kernel.QueuedDpcs(kernel.IsrProcessor));
    }
}
