using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

public sealed class IrqlTests
{
    [Fact]
    public void DpcRoutine_Runs_AtDispatchAndThreadReturnsToPassive()
    {
        using var kernel = KernelFactory.Manual();
        Irql seen = Irql.Passive;
        var dpc = kernel.InitializeDpc((_, _, _, _) => seen = DpcKernel.CurrentIrql);
        dpc.SetTargetProcessor(0);
        kernel.InsertQueueDpc(dpc);

        kernel.RunDpcs(0);

        Assert.Equal(Irql.Dispatch, seen);
        Assert.Equal(Irql.Passive, DpcKernel.CurrentIrql);
    }

    [Fact]
    public void RaiseIrql_ToLowerLevel_Throws()
    {
        var old = DpcKernel.RaiseIrql(Irql.Dispatch);
        try
        {
            Assert.Throws<InvalidOperationException>(() => DpcKernel.RaiseIrql(Irql.Passive));
        }
        finally
        {
            DpcKernel.LowerIrql(old);
        }

        Assert.Equal(Irql.Passive, DpcKernel.CurrentIrql);
    }

    [Fact]
    public void HoldAtDispatch_QueueObservableWithoutDrainingUntilReleased()
    {
        using var kernel = KernelFactory.Threaded();
        using var ran = new CountdownEvent(3);
        var dpcs = Enumerable.Range(0, 3).Select(i =>
        {
            var d = kernel.InitializeDpc((_, _, _, _) => ran.Signal(), name: $"d{i}");
            d.SetTargetProcessor(0);
            d.SetImportance(DpcImportance.High);
            return d;
        }).ToArray();

        using (kernel.HoldAtDispatch(0))
        {
            foreach (var d in dpcs)
            {
                kernel.InsertQueueDpc(d);
            }

            Assert.Equal(["d2", "d1", "d0"], kernel.QueuedDpcs(0).Select(d => d.Name));
            Assert.Equal(3, ran.CurrentCount);
            Assert.Equal(0, kernel.GetProcessorStatistics(0).DpcsRun);
        }

        Assert.True(ran.Wait(TimeSpan.FromSeconds(10)));
    }
}
