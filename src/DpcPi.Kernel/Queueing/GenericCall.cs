namespace DpcPi.Kernel;

/// <summary>
/// One KeGenericCallDpc in progress: the routine queued on every core, the done count its caller waits for and
/// the reusable barrier of KeSignalCallDpcSynchronize. The routines identify it by the id the kernel passes them
/// as both system arguments (Windows passes the two barriers' addresses).
/// </summary>
internal sealed class GenericCall
{
    private readonly int[] _cpus;
    private readonly int[] _done; // per core, set once: by KeSignalCallDpcDone, or when its routine returns
    private readonly CountdownEvent _pending;
    private int _barrierCount; // processors still to reach the current barrier; reset by the last one
    private int _barrierGeneration; // bumped by the last processor to reach a barrier: the others' release

    public GenericCall(long id, DeferredRoutine routine, object? context, IReadOnlyList<int> cpus)
    {
        Id = id;
        Routine = routine;
        Context = context;
        _cpus = [.. cpus];
        _done = new int[_cpus.Length];
        _pending = new CountdownEvent(_cpus.Length);
        _barrierCount = _cpus.Length;
        Slots = new Slot[_cpus.Length];
        for (var i = 0; i < Slots.Length; i++)
        {
            Slots[i] = new Slot(this, i);
        }
    }

    public long Id { get; }

    public DeferredRoutine Routine { get; }

    public object? Context { get; }

    /// <summary>One per core, in the order the cores were given: the context of that core's DPC.</summary>
    public Slot[] Slots { get; }

    public int CpuIndex(int cpu) => Array.IndexOf(_cpus, cpu);

    /// <summary>Core <paramref name="index"/> is done (KeSignalCallDpcDone); a second signal from it counts nothing.</summary>
    public void Done(int index)
    {
        if (Interlocked.Exchange(ref _done[index], 1) == 0)
        {
            _pending.Signal();
        }
    }

    /// <summary>The caller: blocks until every core is done, then frees the wait handle.</summary>
    public void WaitDone()
    {
        _pending.Wait();
        _pending.Dispose();
    }

    /// <summary>
    /// KeSignalCallDpcSynchronize: waits at DISPATCH (spinning, as Windows' processors do) until every core has
    /// reached this barrier; true on exactly one core, the last to arrive. Reusable: each barrier is a generation.
    /// </summary>
    public bool Synchronize()
    {
        var generation = Volatile.Read(ref _barrierGeneration);
        if (Interlocked.Decrement(ref _barrierCount) == 0)
        {
            // Count first, then the generation (release): a core released by it that reaches the next barrier
            // finds the count reset.
            Volatile.Write(ref _barrierCount, _cpus.Length);
            Volatile.Write(ref _barrierGeneration, generation + 1);
            return true;
        }

        var spin = new SpinWait();
        while (Volatile.Read(ref _barrierGeneration) == generation)
        {
            spin.SpinOnce();
        }

        return false;
    }

    /// <summary>One core's share: runs the routine with the call's id as both system arguments, and counts the core done when it returns.</summary>
    internal sealed class Slot(GenericCall call, int index)
    {
        public void Run(Dpc dpc, nint argument1, nint argument2)
        {
            try
            {
                call.Routine(dpc, call.Context, argument1, argument2);
            }
            finally
            {
                // A routine that returned (or threw) without KeSignalCallDpcDone would leave Windows' caller waiting
                // forever; here its return counts as done.
                call.Done(index);
            }
        }
    }
}
