using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

public sealed class FlushQueuedDpcsTests
{
    [Fact]
    public void FlushQueuedDpcs_DpcsOnEveryCoreAndLane_ReturnsAfterAllFinished()
    {
        using var kernel = KernelFactory.Threaded(configure: o => o.MinimumDpcRate = 0);
        var finished = 0;
        var expected = 0;
        var dpcs = new List<Dpc>();
        foreach (var cpu in kernel.Processors)
        {
            foreach (var importance in Enum.GetValues<DpcImportance>())
            {
                var dpc = kernel.InitializeDpc((_, _, _, _) =>
                {
                    Thread.SpinWait(20_000);
                    Interlocked.Increment(ref finished);
                });
                dpc.SetImportance(importance); // Low ones are not woken by their own insert
                dpc.SetTargetProcessor(cpu);
                dpcs.Add(dpc);
            }

            var threaded = kernel.InitializeThreadedDpc((_, _, _, _) =>
            {
                Thread.SpinWait(20_000);
                Interlocked.Increment(ref finished);
            });
            threaded.SetTargetProcessor(cpu);
            dpcs.Add(threaded);
        }

        foreach (var dpc in dpcs)
        {
            Assert.True(kernel.InsertQueueDpc(dpc));
            expected++;
        }

        kernel.FlushQueuedDpcs();

        Assert.Equal(expected, Volatile.Read(ref finished));
    }

    [Fact]
    public void FlushQueuedDpcs_FromDpcRoutine_ThrowsInvalidOperation()
    {
        using var kernel = KernelFactory.Manual();
        Exception? error = null;
        var dpc = kernel.InitializeDpc((d, _, _, _) => error = Record.Exception(() => d.Kernel.FlushQueuedDpcs()));
        dpc.SetTargetProcessor(0);
        kernel.InsertQueueDpc(dpc);

        kernel.RunDpcs(0);

        Assert.IsType<InvalidOperationException>(error);
    }

    [Fact]
    public void FlushQueuedDpcs_NothingQueued_ReturnsAndDoesNotCountAsDpcs()
    {
        using var kernel = KernelFactory.Threaded();

        kernel.FlushQueuedDpcs();

        Assert.All(kernel.GetProcessorStatistics(), s => Assert.Equal(0, s.DpcsRun));
    }
}
