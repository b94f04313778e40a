using DpcPi.Kernel.Measurement;

namespace DpcPi.Kernel;

/// <summary>
/// An interrupt object (KINTERRUPT): one vector, its ISR, its device IRQL and the spin lock that
/// <see cref="DpcKernel.SynchronizeExecution"/> shares with the ISR.
/// </summary>
public sealed class Interrupt
{
    private readonly DpcKernel _kernel;
    private readonly Lock _lock = new();
    private long _count;
    private long _unhandled;
    private long _maxIsrNs;
    private long _slowIsrs;

    internal Interrupt(DpcKernel kernel, int vector, string name, Irql irql, InterruptServiceRoutine isr, object? serviceContext, IInterruptSource? source)
    {
        _kernel = kernel;
        Vector = vector;
        Name = name;
        Irql = irql;
        ServiceRoutine = isr;
        ServiceContext = serviceContext;
        Source = source;
    }

    public int Vector { get; }

    public string Name { get; }

    public Irql Irql { get; }

    public object? ServiceContext { get; }

    public IInterruptSource? Source { get; }

    /// <summary>Event timestamp → ISR entry for this vector (written by the ISR thread only).</summary>
    public LatencyHistogram EdgeToIsr { get; } = new();

    /// <summary>ISR execution time for this vector (written by the ISR thread only).</summary>
    public LatencyHistogram IsrDuration { get; } = new();

    /// <summary>Event timestamp → start of the DPC this vector's ISR queued (any core).</summary>
    public LatencyHistogram EdgeToDpcStart { get; } = new();

    /// <summary>Interrupts serviced; written after each one's other figures (see <see cref="Dispatch"/>).</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>Interrupts whose ISR returned false (not its device's).</summary>
    public long Unhandled => Volatile.Read(ref _unhandled);

    public long MaxIsrNs => Volatile.Read(ref _maxIsrNs);

    /// <summary>ISR runs longer than the kernel's slow-ISR threshold.</summary>
    public long SlowIsrCount => Volatile.Read(ref _slowIsrs);

    internal InterruptServiceRoutine ServiceRoutine { get; }

    internal Lock SpinLock => _lock;

    /// <summary>
    /// Runs this vector's ISR for one event. Called by the vector's <see cref="IInterruptSource"/> on
    /// the ISR thread: raises to the interrupt's IRQL, takes its spin lock, stamps ISR entry/exit
    /// and records edge→ISR and ISR duration. Allocates nothing.
    /// </summary>
    public bool Dispatch(ref InterruptFrame frame)
    {
        var clock = _kernel.Clock;
        var entry = clock.NowNs;
        frame.IsrEntryNs = entry;
        var previousIrql = KernelThread.Irql;
        KernelThread.Irql = Irql;
        KernelThread.EnterInterrupt(this, frame.TimestampNs, (long)frame.Sequence);
        bool handled;
        try
        {
            using (_lock.EnterScope())
            {
                handled = ServiceRoutine(this, ServiceContext, ref frame);
            }
        }
        finally
        {
            KernelThread.LeaveInterrupt();
            KernelThread.Irql = previousIrql;
        }

        var exit = clock.NowNs;
        var duration = exit - entry;
        if (!handled)
        {
            _unhandled++;
        }

        if (duration > _maxIsrNs)
        {
            Volatile.Write(ref _maxIsrNs, duration);
        }

        if (duration > _kernel.Options.SlowIsrThresholdNs)
        {
            _slowIsrs++;
        }

        EdgeToIsr.Record(entry - frame.TimestampNs);
        IsrDuration.Record(duration);
        _kernel.RecordIsr(this, entry - frame.TimestampNs, duration);
        _kernel.Flight?.RecordIsr(this, frame.TimestampNs, (long)frame.Sequence, entry, exit, KernelThread.Cpu);

        // Published last: a thread that reads Count as N sees every figure of those N interrupts (a DPC the ISR
        // queued can run on another core, and its waiter read the count, before the lines above had run).
        Volatile.Write(ref _count, _count + 1);
        return handled;
    }

    internal bool Synchronize(Func<object?, bool> callback, object? context)
    {
        var previousIrql = KernelThread.Irql;
        if (previousIrql < Irql)
        {
            KernelThread.Irql = Irql;
        }

        try
        {
            using (_lock.EnterScope())
            {
                return callback(context);
            }
        }
        finally
        {
            KernelThread.Irql = previousIrql;
        }
    }

    public override string ToString() => $"{Name} (vector {Vector})";
}
