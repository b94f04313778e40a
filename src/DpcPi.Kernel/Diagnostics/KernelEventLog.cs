using System.Collections.Concurrent;

namespace DpcPi.Kernel;

/// <summary>
/// Where the kernel's parts report what the host should hear of: DPC exceptions (the first of each routine) and
/// watchdog violations, queued for <see cref="DpcKernel.DrainEvents"/>, and the fault that a fail-fast policy
/// turns them into. Any thread reports; the host drains.
/// </summary>
internal sealed class KernelEventLog(KernelOptions options, IKernelClock clock)
{
    private readonly ConcurrentQueue<KernelEvent> _events = new();
    private readonly ConcurrentDictionary<Dpc, bool> _reportedExceptions = new();
    private readonly TaskCompletionSource<KernelFault> _fault = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _watchdogEvents;

    /// <summary>Completes when a fail-fast policy stops the kernel (DPC exception or watchdog).</summary>
    public Task<KernelFault> Faulted => _fault.Task;

    public long WatchdogViolations => Volatile.Read(ref _watchdogEvents);

    public void ReportDpcException(Dpc dpc, int cpu, Exception ex)
    {
        if (_reportedExceptions.TryAdd(dpc, true))
        {
            _events.Enqueue(new KernelEvent(clock.NowNs, "dpc-exception", cpu, dpc.Name, $"DPC routine {dpc.Name} threw {ex.GetType().Name}: {ex.Message} (further exceptions of this routine are counted, not reported)", ex));
        }

        if (options.ExceptionPolicy == DpcExceptionPolicy.FailFast)
        {
            _fault.TrySetResult(new KernelFault("KMODE_EXCEPTION_NOT_HANDLED", $"DPC routine {dpc.Name} on CPU {cpu} threw {ex.GetType().Name}: {ex.Message}", cpu, dpc.Name, 0, ex));
        }
    }

    public void ReportWatchdog(WatchdogEvent e)
    {
        // The event before its count: a host that sees the count sees the event when it drains.
        _events.Enqueue(new KernelEvent(e.DetectedAtNs, "watchdog", e.Cpu, e.Routine, e.ToString()));
        Interlocked.Increment(ref _watchdogEvents);
        if (options.WatchdogPolicy == WatchdogPolicy.FailFast)
        {
            _fault.TrySetResult(new KernelFault("DPC_WATCHDOG_VIOLATION", e.ToString(), e.Cpu, e.Routine, e.DurationNs));
        }
    }

    /// <summary>The events so far, oldest first; empties the queue.</summary>
    public IReadOnlyList<KernelEvent> Drain()
    {
        var list = new List<KernelEvent>();
        while (_events.TryDequeue(out var e))
        {
            list.Add(e);
        }

        return list;
    }
}
