namespace DpcPi.Kernel;

/// <summary>The kernel objects (DPCs, devices, interrupts) and the IRQL routines.</summary>
public sealed partial class DpcKernel
{
    /// <summary>The IRQL of the calling thread.</summary>
    public static Irql CurrentIrql => KernelThread.Irql;

    /// <summary>The connected interrupt objects (a copy). Read through <see cref="KernelFigures.Interrupts"/>.</summary>
    internal IReadOnlyList<Interrupt> Interrupts
    {
        get
        {
            using (_registryLock.EnterScope())
            {
                return _interrupts.ToArray();
            }
        }
    }

    /// <summary>The DPC objects the callers made (a copy). Read through <see cref="KernelFigures.Dpcs"/>.</summary>
    internal IReadOnlyList<Dpc> Dpcs
    {
        get
        {
            using (_registryLock.EnterScope())
            {
                return _dpcs.Where(d => !d.IsInternal).ToArray();
            }
        }
    }

    /// <summary>KeRaiseIrql: raises the calling thread's IRQL and returns the old one.</summary>
    public static Irql RaiseIrql(Irql newIrql)
    {
        var old = KernelThread.Irql;
        if (newIrql < old)
        {
            throw new InvalidOperationException($"IRQL_NOT_GREATER_OR_EQUAL: cannot raise from {old} to {newIrql}.");
        }

        KernelThread.Irql = newIrql;
        return old;
    }

    /// <summary>KeLowerIrql.</summary>
    public static void LowerIrql(Irql newIrql)
    {
        if (newIrql > KernelThread.Irql)
        {
            throw new InvalidOperationException($"IRQL_NOT_LESS_OR_EQUAL: cannot lower from {KernelThread.Irql} to {newIrql}.");
        }

        KernelThread.Irql = newIrql;
    }

    /// <summary>KeInitializeDpc.</summary>
    public Dpc InitializeDpc(DeferredRoutine routine, object? deferredContext = null, string? name = null) => Register(new Dpc(this, routine, deferredContext, threaded: false, name));

    /// <summary>
    /// KeInitializeThreadedDpc: drained by the core's lower-priority threaded-DPC thread at PASSIVE; an ordinary
    /// DPC when <see cref="KernelOptions.ThreadDpcEnable"/> is off, as in Windows.
    /// </summary>
    public Dpc InitializeThreadedDpc(DeferredRoutine routine, object? deferredContext = null, string? name = null) => Register(new Dpc(this, routine, deferredContext, threaded: true, name));

    /// <summary>IoCreateDevice + IoInitializeDpcRequest.</summary>
    public DeviceObject CreateDevice(string name, DeferredRoutine dpcForIsr, object? extension = null) => new(this, name, dpcForIsr, extension);

    /// <summary>IoConnectInterrupt: binds <paramref name="vector"/> to an ISR. The source is what the ISR thread calls when the vector is pending.</summary>
    public Interrupt ConnectInterrupt(int vector, InterruptServiceRoutine isr, object? serviceContext = null, IInterruptSource? source = null, Irql irql = Irql.Device, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(isr);
        if (vector is < 0 or >= MaxVectors)
        {
            throw new ArgumentOutOfRangeException(nameof(vector), vector, $"Vectors are 0..{MaxVectors - 1}.");
        }

        if (irql <= Irql.Dispatch)
        {
            throw new ArgumentOutOfRangeException(nameof(irql), irql, "An ISR runs above DISPATCH_LEVEL.");
        }

        var interrupt = new Interrupt(this, vector, name ?? $"vector {vector}", irql, isr, serviceContext, source);
        using (_registryLock.EnterScope())
        {
            if (_vectors[vector] is not null)
            {
                throw new InvalidOperationException($"Vector {vector} is already connected to {_vectors[vector]!.Name}.");
            }

            _interrupts.Add(interrupt);
            Volatile.Write(ref _vectors[vector], interrupt);
        }

        return interrupt;
    }

    /// <summary>IoDisconnectInterrupt.</summary>
    public void DisconnectInterrupt(Interrupt interrupt)
    {
        using (_registryLock.EnterScope())
        {
            if (ReferenceEquals(_vectors[interrupt.Vector], interrupt))
            {
                Volatile.Write(ref _vectors[interrupt.Vector], null);
            }
        }

        if (ReferenceEquals(interrupt, _clockInterrupt))
        {
            _clockInterrupt = null;
            SetClockDriven(!Options.StartThreads); // no tick will drain a deferred remote DPC any more
        }
    }

    /// <summary>KeSynchronizeExecution: runs <paramref name="callback"/> at the interrupt's IRQL holding its spin lock, excluded from its ISR.</summary>
    public static bool SynchronizeExecution(Interrupt interrupt, Func<object?, bool> callback, object? context = null)
    {
        ArgumentNullException.ThrowIfNull(interrupt);
        ArgumentNullException.ThrowIfNull(callback);
        return interrupt.Synchronize(callback, context);
    }

    private Dpc Register(Dpc dpc)
    {
        using (_registryLock.EnterScope())
        {
            _dpcs.Add(dpc);
        }

        return dpc;
    }
}
