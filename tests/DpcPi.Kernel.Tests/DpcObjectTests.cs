using System.Reflection;
using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

public sealed class DpcObjectTests
{
    [Fact]
    public void InitializeDpc_Defaults_MediumImportanceInsertingCoreNotThreaded()
    {
        using var kernel = KernelFactory.Manual();
        var dpc = kernel.InitializeDpc((_, _, _, _) => { }, name: "probe");

        Assert.Equal(DpcImportance.Medium, dpc.Importance);
        Assert.Equal(-1, dpc.TargetProcessor);
        Assert.False(dpc.IsThreaded);
        Assert.Equal("probe", dpc.Name);
        Assert.True(kernel.InitializeThreadedDpc((_, _, _, _) => { }).IsThreaded);
    }

    [Fact]
    public void Dpc_PublicSurface_ExposesNoQueueState()
    {
        var queueState = new[] { "QueuedOn", "Next", "Previous", "Argument1", "Argument2", "Routine", "DeferredContext", "QueuedNs" };
        var members = typeof(Dpc).GetMembers(BindingFlags.Public | BindingFlags.Instance).Select(m => m.Name).ToHashSet();

        foreach (var name in queueState)
        {
            Assert.DoesNotContain(name, members);
        }
    }

    [Fact]
    public void Routine_Runs_ReceivesDpcContextAndArguments()
    {
        using var kernel = KernelFactory.Manual();
        var context = new object();
        (Dpc? Dpc, object? Context, nint A1, nint A2) seen = default;
        var dpc = kernel.InitializeDpc((d, c, a1, a2) => seen = (d, c, a1, a2), context);
        dpc.SetTargetProcessor(kernel.Processors[0]);

        kernel.InsertQueueDpc(dpc, 11, 22);
        kernel.RunDpcs(kernel.Processors[0]);

        Assert.Same(dpc, seen.Dpc);
        Assert.Same(context, seen.Context);
        Assert.Equal((nint)11, seen.A1);
        Assert.Equal((nint)22, seen.A2);
    }

    [Fact]
    public void SetImportance_UndefinedValue_ThrowsArgumentOutOfRange()
    {
        using var kernel = KernelFactory.Manual();
        var dpc = kernel.InitializeDpc((_, _, _, _) => { });

        Assert.Throws<ArgumentOutOfRangeException>(() => dpc.SetImportance((DpcImportance)7));
    }
}
