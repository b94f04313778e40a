using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

/// <summary>KeIsExecutingDpc: true while the calling thread runs a DPC routine at DISPATCH.</summary>
public sealed class ExecutingDpcTests
{
    [Fact]
    public void IsExecutingDpc_InDpcRoutine_TrueAndFalseOutside()
    {
        using var kernel = KernelFactory.Manual();
        var inside = false;
        var dpc = kernel.InitializeDpc((_, _, _, _) => inside = DpcKernel.IsExecutingDpc);
        dpc.SetTargetProcessor(0);
        kernel.InsertQueueDpc(dpc);

        kernel.RunDpcs(0);

        Assert.True(inside);
        Assert.False(DpcKernel.IsExecutingDpc);
    }

    [Fact]
    public void IsExecutingDpc_InThreadedDpcAtPassive_False()
    {
        using var kernel = KernelFactory.Manual();
        var inside = true;
        var dpc = kernel.InitializeThreadedDpc((_, _, _, _) => inside = DpcKernel.IsExecutingDpc);
        dpc.SetTargetProcessor(0);
        kernel.InsertQueueDpc(dpc);

        kernel.RunDpcs(0);

        Assert.False(inside);
    }

    [Fact]
    public void IsExecutingDpc_InIsrAtDeviceIrql_False()
    {
        using var kernel = KernelFactory.Manual();
        var inIsr = true;
        using var controller = new DpcPi.TestSupport.TestInterruptController();
        kernel.ConnectInterrupt(100, (_, _, ref _) =>
        {
            inIsr = DpcKernel.IsExecutingDpc;
            return true;
        }, null, controller);
        controller.Raise(100, 1);

        kernel.PollInterrupts(controller);

        Assert.False(inIsr);
    }
}
