using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Kernel.Tests;

public sealed class GuaranteesTests
{
    [Fact]
    public void Start_RealtimeRequested_ReportMatchesWhatWorkersActuallyGot()
    {
        using var kernel = KernelFactory.Threaded(realtime: true);
        using var done = new ManualResetEventSlim();
        var policy = -2;
        var dpc = kernel.InitializeDpc((_, _, _, _) =>
        {
            policy = ThreadControl.GetPolicy();
            done.Set();
        });
        dpc.SetTargetProcessor(0);
        dpc.SetImportance(DpcImportance.High);

        kernel.InsertQueueDpc(dpc);

        Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
        if (kernel.Guarantees.Realtime)
        {
            Assert.Equal(ThreadControl.SchedFifo, policy);
        }
        else
        {
            // Without CAP_SYS_NICE the kernel still runs, and says why.
            Assert.Equal(ThreadControl.SchedOther, policy);
            Assert.Contains(kernel.Guarantees.Notes, n => n.Contains("SCHED_FIFO refused", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Start_RealtimeDisabled_ReportsNotRealtimeWithReason()
    {
        using var kernel = KernelFactory.Threaded(realtime: false);

        Assert.False(kernel.Guarantees.Realtime);
        Assert.Contains(kernel.Guarantees.Notes, n => n.Contains("disabled by configuration", StringComparison.Ordinal));
        Assert.False(kernel.Guarantees.MemoryLocked);
    }

    [Fact]
    public void ThreadControl_PinToCpuOutsideMask_ReturnsErrnoInsteadOfThrowing()
    {
        var t = new Thread(() => Assert.Equal(Errnos.EINVAL, ThreadControl.PinCurrentThread(1023)));
        t.Start();
        t.Join();
    }
}
