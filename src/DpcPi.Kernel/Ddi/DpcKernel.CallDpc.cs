namespace DpcPi.Kernel;

/// <summary>Running a routine on every core's DPC queue (KeGenericCallDpc, KeSignalCallDpcDone, KeSignalCallDpcSynchronize).</summary>
public sealed partial class DpcKernel
{
    private readonly Lock _genericCallLock = new(); // one generic call at a time, as Windows' KiGenericCallDpcMutex
    private GenericCall? _genericCall;
    private long _genericCallIds;

    /// <summary>
    /// KeGenericCallDpc: queues <paramref name="routine"/> as a High-importance DPC on every core and returns once
    /// each has signalled <see cref="SignalCallDpcDone"/> (or returned). The routines run at DISPATCH on the cores'
    /// DPC workers at the same time; SystemArgument1 and SystemArgument2 identify the call for the two signals.
    /// From an ordinary thread at PASSIVE, on a started kernel with worker threads.
    /// </summary>
    public void GenericCallDpc(DeferredRoutine routine, object? context = null)
    {
        ArgumentNullException.ThrowIfNull(routine);
        if (KernelThread.Irql >= Irql.Dispatch || KernelThread.CurrentDrain is not null || KernelThread.IsIsrThread)
        {
            throw new InvalidOperationException($"GenericCallDpc waits for every core: call it at PASSIVE_LEVEL from an ordinary thread, not at {KernelThread.Irql}{(KernelThread.CurrentDrain is not null ? " in a DPC routine" : string.Empty)}.");
        }

        if (!Options.StartThreads || !_started || _stopping)
        {
            throw new InvalidOperationException("GenericCallDpc runs the routine on every core's DPC worker at once: it needs a started kernel with worker threads (StartThreads = true).");
        }

        using (_genericCallLock.EnterScope())
        {
            var call = new GenericCall(++_genericCallIds, routine, context, Processors);
            Volatile.Write(ref _genericCall, call);
            try
            {
                for (var i = 0; i < _processors.Length; i++)
                {
                    var dpc = new Dpc(this, static (d, ctx, a1, a2) => ((GenericCall.Slot)ctx!).Run(d, a1, a2), call.Slots[i], threaded: false, "GenericCallDpc") { IsInternal = true };
                    dpc.SetTargetProcessor(_processors[i].Cpu);
                    dpc.SetImportance(DpcImportance.High);
                    InsertQueueDpc(dpc, (nint)call.Id, (nint)call.Id);
                }

                call.WaitDone();
            }
            finally
            {
                Volatile.Write(ref _genericCall, null);
            }
        }
    }

    /// <summary>KeSignalCallDpcDone: from a <see cref="GenericCallDpc"/> routine, with its SystemArgument1: this core is done.</summary>
    public void SignalCallDpcDone(nint systemArgument1)
    {
        var call = RunningCall(systemArgument1, nameof(systemArgument1), out var index);
        call.Done(index);
    }

    /// <summary>
    /// KeSignalCallDpcSynchronize: from a <see cref="GenericCallDpc"/> routine, with its SystemArgument2: waits until
    /// the routine on every core has reached this point, then returns true on exactly one core (the last to
    /// arrive) and false on the others. May be called again for a further barrier.
    /// </summary>
    public bool SignalCallDpcSynchronize(nint systemArgument2) => RunningCall(systemArgument2, nameof(systemArgument2), out _).Synchronize();

    private GenericCall RunningCall(nint systemArgument, string name, out int index)
    {
        if (KernelThread.CurrentDrain is not { IsNormal: true })
        {
            throw new InvalidOperationException("KeSignalCallDpc* are for the routine of a GenericCallDpc, at DISPATCH_LEVEL in its DPC.");
        }

        var call = Volatile.Read(ref _genericCall);
        if (call is null || call.Id != systemArgument)
        {
            throw new ArgumentException($"{systemArgument} is not the system argument of the generic call in progress.", name);
        }

        index = call.CpuIndex(KernelThread.Cpu);
        if (index < 0)
        {
            throw new InvalidOperationException($"CPU {KernelThread.Cpu} takes no part in the generic call.");
        }

        return call;
    }
}
