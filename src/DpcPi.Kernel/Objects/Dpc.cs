using DpcPi.Kernel.Measurement;

namespace DpcPi.Kernel;

/// <summary>
/// A deferred procedure call object (KDPC). Created by <see cref="DpcKernel.InitializeDpc"/> or
/// <see cref="DpcKernel.InitializeThreadedDpc"/>; its queue state belongs to the kernel alone.
/// </summary>
public sealed class Dpc
{
    /// <summary>The <see cref="DpcQueueState.QueuedOn"/> value of a DPC whose insert has claimed it and not yet published where.</summary>
    internal static readonly object Inserting = new();

    /// <summary>The queue state, on cache lines of its own. Only the kernel touches it.</summary>
    internal DpcQueueState Queue;

    // Statistics: written by workers, read by reports. Runs, total and maximum execution time are the
    // ExecutionTime histogram's own count, sum and max (one set of interlocked updates per run, not two);
    // the coalesced count lives in the queue state, where inserts write.
    internal long ExceptionCount;
    internal Exception? FirstException;
    internal bool IsInternal;

    private readonly DpcKernel _kernel;
    private int _targetProcessor = -1;
    private DpcImportance _importance = DpcImportance.Medium;

    internal Dpc(DpcKernel kernel, DeferredRoutine routine, object? context, bool threaded, string? name)
    {
        _kernel = kernel;
        Routine = routine;
        DeferredContext = context;
        IsThreaded = threaded && kernel.Options.ThreadDpcEnable; // ThreadDpcEnable = 0: an ordinary DPC
        Name = name ?? DescribeRoutine(routine);
    }

    /// <summary>A readable name for reports: the given name, or Type.Method of the routine.</summary>
    public string Name { get; }

    /// <summary>Whether it runs as a threaded DPC: made by <see cref="DpcKernel.InitializeThreadedDpc"/> on a kernel with <see cref="KernelOptions.ThreadDpcEnable"/>.</summary>
    public bool IsThreaded { get; }

    public DpcImportance Importance => _importance;

    /// <summary>The CPU this DPC is queued on, or -1 for "the core of the code that inserts it".</summary>
    public int TargetProcessor => _targetProcessor;

    /// <summary>
    /// Execution-time histogram of this routine (ns), across every core it ran on. Two significant
    /// digits (~30 KB) so that drivers can own many DPCs; the per-core stage histograms keep three.
    /// </summary>
    public LatencyHistogram ExecutionTime { get; } = new(significantDigits: 2);

    internal DeferredRoutine Routine { get; }

    internal object? DeferredContext { get; }

    internal DpcKernel Kernel => _kernel;

    /// <summary>KeSetImportanceDpc: takes effect at the next insert.</summary>
    public void SetImportance(DpcImportance importance)
    {
        if (!Enum.IsDefined(importance))
        {
            throw new ArgumentOutOfRangeException(nameof(importance), importance, "Importance must be Low, Medium, MediumHigh or High.");
        }

        _importance = importance;
    }

    /// <summary>KeSetTargetProcessorDpc: pins future inserts to <paramref name="cpu"/>, which must be one of the kernel's cores.</summary>
    public void SetTargetProcessor(int cpu)
    {
        if (!_kernel.HasProcessor(cpu))
        {
            throw new ArgumentOutOfRangeException(nameof(cpu), cpu, $"CPU {cpu} has no DPC queue; the kernel's cores are {string.Join(", ", _kernel.Processors)}.");
        }

        _targetProcessor = cpu;
    }

    /// <summary>Goes back to queuing on the inserting core.</summary>
    public void ClearTargetProcessor() => _targetProcessor = -1;

    public DpcStatistics GetStatistics() => new(
        Name,
        ExecutionTime.TotalCount,
        Volatile.Read(ref Queue.CoalescedCount),
        Volatile.Read(ref Queue.CoalescedPendingTogether),
        Volatile.Read(ref ExceptionCount),
        ExecutionTime.Sum,
        ExecutionTime.Max,
        Volatile.Read(ref FirstException));

    public override string ToString() => Name;

    /// <summary>
    /// Where the DPC is queued (a <see cref="DpcProcessor"/>) or null; waits out an insert that has
    /// claimed the DPC but not yet said where (a few instructions; SpinWait sleeps if the inserter was
    /// pre-empted by this thread on its own core).
    /// </summary>
    internal DpcProcessor? ReadQueuedOn()
    {
        var q = Volatile.Read(ref Queue.QueuedOn);
        if (ReferenceEquals(q, Inserting))
        {
            var spin = new SpinWait();
            do
            {
                spin.SpinOnce();
                q = Volatile.Read(ref Queue.QueuedOn);
            }
            while (ReferenceEquals(q, Inserting));
        }

        return (DpcProcessor?)q;
    }

    private static string DescribeRoutine(DeferredRoutine routine)
    {
        var method = routine.Method;
        var type = method.DeclaringType?.Name ?? "?";
        var name = method.Name;
        // Lambdas compile to "<Outer>b__0_0": show the enclosing method instead of the mangled name.
        if (name.StartsWith('<'))
        {
            var end = name.IndexOf('>', StringComparison.Ordinal);
            name = end > 1 ? name[1..end] + "(lambda)" : name;
        }

        if (type.StartsWith('<') || type.Contains("DisplayClass", StringComparison.Ordinal))
        {
            type = method.DeclaringType?.DeclaringType?.Name ?? type;
        }

        return $"{type}.{name}";
    }
}
