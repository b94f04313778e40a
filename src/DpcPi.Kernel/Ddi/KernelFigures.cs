using DpcPi.Kernel.Measurement;

namespace DpcPi.Kernel;

/// <summary>
/// The one way to read a <see cref="DpcKernel"/> from outside it: counters, per-core statistics, latency recorders,
/// the interrupt and DPC objects, guarantees and events: what <c>KernelSnapshot</c>, reports, metrics and hosts
/// read. Kept apart from the kernel so its facade is the DDI (objects, queueing, timers, start/stop). One instance
/// per kernel (<see cref="DpcKernel.Figures"/>); a read allocates only where a member says so, so a periodic
/// snapshot stays allocation-free.
/// </summary>
public sealed class KernelFigures
{
    private readonly DpcKernel _kernel;

    internal KernelFigures(DpcKernel kernel) => _kernel = kernel;

    /// <summary>The options the kernel runs with.</summary>
    public KernelOptions Options => _kernel.Options;

    /// <summary>
    /// When the kernel started (until <see cref="DpcKernel.Start"/>: when it was created): the origin of the per-second
    /// timeline, so time spent between creation and start (a warm-up, opening devices) is no empty seconds.
    /// </summary>
    public long EpochNs => _kernel.EpochNs;

    /// <summary>The CPU the ISR thread runs on.</summary>
    public int IsrProcessor => _kernel.IsrProcessor;

    /// <summary>What the kernel's threads got: real-time priority, pinning, locked memory.</summary>
    public KernelGuarantees Guarantees => _kernel.Guarantees;

    /// <summary>The connected interrupt objects (allocates a copy: read it when binding, not per sample).</summary>
    public IReadOnlyList<Interrupt> Interrupts => _kernel.Interrupts;

    /// <summary>The DPC objects the callers made (allocates a copy: read it when binding, not per sample).</summary>
    public IReadOnlyList<Dpc> Dpcs => _kernel.Dpcs;

    public long ClockTicks => _kernel.ClockTicks;

    /// <summary>The flight recorder (<see cref="KernelOptions.FlightRecorderEvents"/>), or null when off.</summary>
    public FlightRecorder? FlightRecorder => _kernel.Flight;

    /// <summary>The kernel's threads as the OS knows them (role, core, thread id), once started: for per-thread scheduler statistics.</summary>
    public IReadOnlyList<KernelThreadInfo> Threads => _kernel.ThreadInfos;

    public long WatchdogViolations => _kernel.WatchdogViolations;

    /// <summary>Total time spent inside ISRs (ns).</summary>
    public long TimeInIsrNs => _kernel.TimeInIsrNs;

    /// <summary>Completes when a fail-fast policy stops the kernel (DPC exception or watchdog).</summary>
    public Task<KernelFault> Faulted => _kernel.Faulted;

    public ProcessorStatistics GetProcessorStatistics(int cpu) => _kernel.GetProcessorStatistics(cpu);

    /// <summary>Every core's statistics, in <see cref="DpcKernel.Processors"/> order (allocates the list).</summary>
    public IReadOnlyList<ProcessorStatistics> GetProcessorStatistics() => _kernel.GetProcessorStatistics();

    /// <summary>The DPC worker's latency record for <paramref name="cpu"/>.</summary>
    public LatencyRecorder GetRecorder(int cpu, bool threaded = false) => _kernel.GetRecorder(cpu, threaded);

    /// <summary>One stage merged over the ISR thread and every core (a new histogram for reports; ~220 KB).</summary>
    public LatencyHistogram MergeStage(LatencyStage stage) => _kernel.MergeStage(stage);

    /// <summary>
    /// Resets <paramref name="target"/> and merges one stage into it: the allocation-free form for callers that sample
    /// periodically (status lines, metrics, live views), so a long-running service does not churn the large-object heap.
    /// </summary>
    public void MergeStageInto(LatencyStage stage, LatencyHistogram target) => _kernel.MergeStageInto(stage, target);

    /// <summary>Events for the host to log (exceptions, watchdog), oldest first; drains the queue.</summary>
    public IReadOnlyList<KernelEvent> DrainEvents() => _kernel.DrainEvents();
}
