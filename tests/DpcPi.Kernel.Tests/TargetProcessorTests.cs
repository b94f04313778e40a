using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

public sealed class TargetProcessorTests
{
    [Theory]
    [InlineData(-5)]
    [InlineData(2)]
    [InlineData(7)]
    public void SetTargetProcessor_CpuWithoutQueue_ThrowsArgumentOutOfRange(int cpu)
    {
        using var kernel = KernelFactory.Manual([0, 1]);
        var dpc = kernel.InitializeDpc((_, _, _, _) => { });

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => dpc.SetTargetProcessor(cpu));
        Assert.Contains("0, 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InsertQueueDpc_TargetSet_QueuesOnTargetCore()
    {
        using var kernel = KernelFactory.Manual([3, 5]);
        var dpc = kernel.InitializeDpc((_, _, _, _) => { });
        dpc.SetTargetProcessor(3);

        kernel.InsertQueueDpc(dpc);

        Assert.Single(kernel.QueuedDpcs(3));
        Assert.Empty(kernel.QueuedDpcs(5));
    }

    [Fact]
    public void InsertQueueDpc_FromIsrWithoutTarget_QueuesOnIsrCore()
    {
        using var kernel = KernelFactory.Manual([3, 5]);
        var dpc = kernel.InitializeDpc((_, _, _, _) => { });

        ImportanceTests.InsertFromIsr(kernel, dpc);

        Assert.Equal(5, kernel.IsrProcessor);
        Assert.Single(kernel.QueuedDpcs(5));
        Assert.Empty(kernel.QueuedDpcs(3));
    }

    [Fact]
    public void InsertQueueDpc_ThreadedWorkers_RoutineRunsOnTargetCoreWorker()
    {
        using var kernel = KernelFactory.Threaded();
        var cpu = kernel.Processors[^1];
        using var done = new ManualResetEventSlim();
        string? thread = null;
        var dpc = kernel.InitializeDpc((_, _, _, _) =>
        {
            thread = Thread.CurrentThread.Name;
            done.Set();
        });
        dpc.SetTargetProcessor(cpu);
        dpc.SetImportance(DpcImportance.High); // wake the remote core's worker at once

        kernel.InsertQueueDpc(dpc);

        Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal($"dpc/{cpu}", thread);
    }
}
