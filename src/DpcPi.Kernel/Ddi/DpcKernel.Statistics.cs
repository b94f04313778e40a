using DpcPi.Kernel.Measurement;

namespace DpcPi.Kernel;

/// <summary>The kernel's figures: counters, per-core statistics, latency recorders and events.</summary>
public sealed partial class DpcKernel
{
    /// <summary>The ISR thread's own latency record (edge→ISR and ISR duration, every vector).</summary>
    internal LatencyRecorder IsrRecorder => _isrRecorder;

    internal long ClockTicks => Volatile.Read(ref _ticks);

    internal long WatchdogViolations => _log.WatchdogViolations;

    /// <summary>Total time spent inside ISRs (ns).</summary>
    internal long TimeInIsrNs => Volatile.Read(ref _isrTimeNs);

    internal ProcessorStatistics GetProcessorStatistics(int cpu) => GetProcessor(cpu).GetStatistics();

    internal IReadOnlyList<ProcessorStatistics> GetProcessorStatistics() => _processors.Select(p => p.GetStatistics()).ToArray();

    /// <summary>The DPC worker's latency record for <paramref name="cpu"/>.</summary>
    internal LatencyRecorder GetRecorder(int cpu, bool threaded = false) => threaded ? GetProcessor(cpu).ThreadedRecorder : GetProcessor(cpu).Recorder;

    /// <summary>One stage merged over the ISR thread and every core (a new snapshot for reports; ~220 KB).</summary>
    internal LatencyHistogram MergeStage(LatencyStage stage)
    {
        var merged = new LatencyHistogram();
        MergeStageInto(stage, merged);
        return merged;
    }

    /// <summary>
    /// Resets <paramref name="target"/> and merges one stage into it: the allocation-free form for
    /// callers that sample periodically (status lines, metrics, live views), so a long-running
    /// service does not churn the large-object heap.
    /// </summary>
    internal void MergeStageInto(LatencyStage stage, LatencyHistogram target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Reset();
        target.Add(_isrRecorder[stage]);
        foreach (var p in _processors)
        {
            target.Add(p.Recorder[stage]);
            target.Add(p.ThreadedRecorder[stage]);
        }
    }

    /// <summary>Events for the host to log (exceptions, watchdog), oldest first; drains the queue.</summary>
    internal IReadOnlyList<KernelEvent> DrainEvents() => _log.Drain();

    /// <summary>The ISR thread, after each ISR: the kernel-wide ISR time and the device stages.</summary>
    internal void RecordIsr(Interrupt interrupt, long edgeToIsr, long duration)
    {
        _isrTimeNs += duration;
        if (interrupt.Irql >= Irql.Clock)
        {
            return; // the clock tick is kernel housekeeping: its figures stay on its own vector, out of the device stages
        }

        _isrRecorder.Record(LatencyStage.EdgeToIsr, edgeToIsr);
        _isrRecorder.Record(LatencyStage.IsrDuration, duration);
    }
}
