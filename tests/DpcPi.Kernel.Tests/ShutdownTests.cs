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

    [Fact]
    public void StopInterrupts_LineThatNeverGoesQuiet_IsrThreadStopsAnyway()
    {
        using var controller = new EndlessController();
        using var kernel = KernelFactory.Threaded(controller: controller);
        var interrupt = kernel.ConnectInterrupt(1, (_, _, ref _) => true, source: controller);
        Assert.True(controller.Serviced.Wait(TimeSpan.FromSeconds(30)));

        kernel.StopInterrupts(TimeSpan.FromSeconds(30));
        var atStop = interrupt.Count;
        Thread.Sleep(100);

        Assert.Equal(atStop, interrupt.Count); // the ISR thread has left: nothing services the endless line any more
    }

    /// <summary>A line with edges always pending (a free-running clock on the pin): every wait returns at once.</summary>
    private sealed class EndlessController : IInterruptController, IInterruptSource, IDisposable
    {
        public ManualResetEventSlim Serviced { get; } = new();

        public int WaitForInterrupts(Span<int> pendingVectors, int timeoutMs)
        {
            pendingVectors[0] = 1;
            return 1;
        }

        public void Service(Interrupt interrupt)
        {
            var frame = new InterruptFrame { TimestampNs = MonotonicKernelClock.Instance.NowNs, Line = 1 };
            interrupt.Dispatch(ref frame);
            Serviced.Set();
        }

        public void Wake()
        {
        }

        public void Dispose() => Serviced.Dispose();
    }
}
