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

    [Fact]
    public void FlushQueuedDpcs_DpcThatDoesNotReturnWithinTimeout_ThrowsNamingTheLaneAndTheDpcThenFlushesOnceItReturns()
    {
        using var kernel = KernelFactory.Threaded();
        using var release = new ManualResetEventSlim();
        using var running = new ManualResetEventSlim();
        var cpu = kernel.Processors[^1];
        var stuck = kernel.InitializeDpc((_, _, _, _) =>
        {
            running.Set();
            release.Wait();
        }, name: "stuck");
        stuck.SetTargetProcessor(cpu);
        var behind = 0;
        var after = kernel.InitializeDpc((_, _, _, _) => Interlocked.Increment(ref behind));
        after.SetTargetProcessor(cpu);
        kernel.InsertQueueDpc(stuck);
        Assert.True(running.Wait(TimeSpan.FromSeconds(30)));
        kernel.InsertQueueDpc(after);

        var ex = Record.Exception(() => kernel.FlushQueuedDpcs(TimeSpan.FromMilliseconds(200)));
        release.Set();

        Assert.IsType<TimeoutException>(ex);
        Assert.Contains($"CPU {cpu}'s normal lane (its drainer has been running DPC 'stuck' for ", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"CPU {cpu}'s threaded lane (waiting for the normal lane", ex.Message, StringComparison.Ordinal);

        kernel.FlushQueuedDpcs(TimeSpan.FromSeconds(30));
        Assert.Equal(1, Volatile.Read(ref behind));
        Assert.All(kernel.GetProcessorStatistics(), s => Assert.Equal(0, s.Exceptions)); // the timed-out markers never ran against a disposed event
    }

    [Fact]
    public void FlushQueuedDpcs_NonPositiveTimeout_ThrowsArgumentOutOfRange()
    {
        using var kernel = KernelFactory.Threaded();

        Assert.Throws<ArgumentOutOfRangeException>(() => kernel.FlushQueuedDpcs(TimeSpan.Zero));
    }
}
