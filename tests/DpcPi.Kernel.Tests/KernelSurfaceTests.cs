using System.Reflection;
using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

/// <summary>
/// The kernel's facade is the DDI and nothing else: every public member of <see cref="DpcKernel"/> is listed here,
/// so adding one is a deliberate change of this list (figures go to <see cref="KernelFigures"/>).
/// </summary>
public sealed class KernelSurfaceTests
{
    private static readonly string[] s_ddi =
    [
        // objects, IRQL, interrupts
        "CurrentIrql", "RaiseIrql", "LowerIrql", "InitializeDpc", "InitializeThreadedDpc", "CreateDevice", "ConnectInterrupt",
        "DisconnectInterrupt", "SynchronizeExecution",

        // the DPC queues
        "InsertQueueDpc", "RemoveQueueDpc", "FlushQueuedDpcs", "RunDpcs", "IsExecutingDpc", "QueryDpcWatchdogInformation",
        "GenericCallDpc", "SignalCallDpcDone", "SignalCallDpcSynchronize",

        // timers and the clock
        "ClockTick", "InitializeTimer", "InitializeTimerEx", "SetTimer", "SetCoalescableTimer", "CancelTimer", "WaitForSingleObject",
        "ConnectClockInterrupt", "ConnectTimerInterrupt", "Timers", "Clock",

        // the kernel itself
        ".ctor", "Start", "StopInterrupts", "Stop", "PollInterrupts", "Dispose", "Processors", "Figures",
    ];

    [Fact]
    public void DpcKernel_PublicSurface_IsExactlyTheDdiList()
    {
        var members = typeof(DpcKernel)
            .GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m is not MethodInfo { IsSpecialName: true }) // property accessors are their properties
            .Select(m => m.Name)
            .Distinct()
            .Order(StringComparer.Ordinal);

        Assert.Equal(s_ddi.Order(StringComparer.Ordinal), members);
    }
}
