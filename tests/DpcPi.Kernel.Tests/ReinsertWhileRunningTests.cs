using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

public sealed class ReinsertWhileRunningTests
{
    [Fact]
    public void InsertQueueDpc_WhileRoutineRuns_QueuesSecondRunAfterFirstReturns()
    {
        using var kernel = KernelFactory.Threaded();
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        using var second = new ManualResetEventSlim();
        var running = 0;
        var maxConcurrent = 0;
        var runs = 0;
        var dpc = kernel.InitializeDpc((_, _, a1, _) =>
        {
            var now = Interlocked.Increment(ref running);
            maxConcurrent = Math.Max(maxConcurrent, now);
            if (Interlocked.Increment(ref runs) == 1)
            {
                entered.Set();
                gate.Wait();
            }
            else
            {
                second.Set();
            }

            Interlocked.Decrement(ref running);
        });
        dpc.SetTargetProcessor(0);
        dpc.SetImportance(DpcImportance.High);

        Assert.True(kernel.InsertQueueDpc(dpc, 1));
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10)));
        Assert.True(kernel.InsertQueueDpc(dpc, 2)); // running, not queued: accepted
        Assert.False(second.IsSet);
        gate.Set();

        Assert.True(second.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, runs);
        Assert.Equal(1, maxConcurrent);
    }

    [Fact]
    public void InsertQueueDpc_FromOwnRoutine_RunsAgainNeverConcurrently()
    {
        using var kernel = KernelFactory.Threaded();
        using var done = new ManualResetEventSlim();
        var running = 0;
        var overlapped = false;
        var runs = 0;
        var dpc = kernel.InitializeDpc((self, _, remaining, _) =>
        {
            overlapped |= Interlocked.Increment(ref running) > 1;
            runs++;
            if (remaining > 0)
            {
                Assert.True(self.Kernel.InsertQueueDpc(self, remaining - 1));
            }
            else
            {
                done.Set();
            }

            Interlocked.Decrement(ref running);
        });
        dpc.SetTargetProcessor(0);
        dpc.SetImportance(DpcImportance.High);

        kernel.InsertQueueDpc(dpc, 999);

        Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(1000, runs);
        Assert.False(overlapped);
    }
}
