using DpcPi.Gpio;
using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.Platform;

namespace DpcPi.Measurement;

/// <summary>
/// One latency measurement, cyclictest-style: a source raises interrupts on the ISR thread, the ISR queues its
/// device's DpcForIsr, the DPC counts. First a warm-up rig (a throwaway kernel on the same source) runs until the
/// JIT has compiled the path, then the measured rig. <see cref="Result"/> gives the run report after <see cref="Stop"/>.
/// </summary>
public sealed class LatencySession : IDisposable
{
    private readonly LatencySessionOptions _options;
    private readonly LatencyRig _rig;
    private GcCounts _gcAtStart;
    private Platform.CpuDmaLatency? _cpuDmaLatency;
    private GcCounts? _gcDuringRun;

    /// <summary>Takes the options as they are: front-ends call <see cref="LatencySessionOptions.Validate"/> first to word its errors their way.</summary>
    public LatencySession(LatencySessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _rig = new LatencyRig(options);
    }

    public LatencySessionOptions Options => _options;

    public DpcKernel Kernel => _rig.Kernel;

    public DeviceObject Device => _rig.Device;

    /// <summary>True once the measured kernel runs (after the warm-up): its interrupts and DPCs all exist.</summary>
    public bool Started => _rig.Started;

    /// <summary>DPC runs completed so far (fewer than <see cref="Interrupts"/> when DpcForIsr inserts coalesce).</summary>
    public long Completed => _rig.Completed;

    /// <summary>Interrupts the ISR has serviced (cyclictest's loop count).</summary>
    public long Interrupts => _rig.Interrupts;

    /// <summary>Edge → entry of the DPC routine that served it, for every interrupt, coalesced ones included.</summary>
    public LatencyHistogram EdgeToServingDpc => _rig.EdgeToServingDpc;

    /// <summary>Interrupts left out of <see cref="EdgeToServingDpc"/> (its hand-off ring was full).</summary>
    public long ServingUnmeasured => _rig.ServingUnmeasured;

    /// <summary>Edges the stimulus generated (GPIO and fake sources; for GPIO the stimulus process's own count, final after <see cref="Stop"/>).</summary>
    public long Generated => _rig.Source.Generated;

    /// <summary>The stimulus process's report line (GPIO source), or null.</summary>
    public string? StimulusSummary => _rig.Source.StimulusSummary;

    /// <summary>What the source's figures cannot show (the sdg source: no kernel timestamps), or null.</summary>
    public string? SourceCaveat => _rig.Source.Caveat;

    /// <summary>GPIO edges lost in the kernel (seqno gaps) and merged (equal edges in a row).</summary>
    public GpioLineStatistics GpioStatistics => _rig.Source.GpioStatistics;

    /// <summary>Timer expiries that passed without an interrupt of their own.</summary>
    public long TimerOverruns => _rig.Source.TimerOverruns;

    /// <summary>Events merged into another event's interrupt by the source: GPIO edges merged in a row, or timer expiries that passed without an interrupt of their own.</summary>
    public long MergedEvents => GpioStatistics.Merged + TimerOverruns;

    /// <summary>Set when the GPIO device failed while running (e.g. the chip disappeared).</summary>
    public Exception? SourceFailure => _rig.Source.Failure;

    public long ElapsedNs => _rig.ElapsedNs;

    public string SourceName => _options.SourceName;

    /// <summary>After <see cref="Stop"/>: the CPU time of the kernel's CPUs (ISR core and DPC cores) during the measured run, and the hypervisor's steal of it; null before or where unknown.</summary>
    public CpuTimes? CpuTime => _rig.CpuTime;

    /// <summary>
    /// After <see cref="Stop"/>: the share of the kernel's CPUs' time the hypervisor gave to others during the measured
    /// run (/proc/stat steal, %); null before, where unknown, or when the run was too short for /proc/stat's 10 ms
    /// ticks to count any of it.
    /// </summary>
    public double? StealPercent => CpuTime?.StealPercent;

    /// <summary>How long the warm-up ran before this session started measuring (0 when disabled).</summary>
    public TimeSpan WarmupElapsed { get; private set; }

    /// <summary>DPC runs the warm-up saw: 0 means it ended at its grace period with nothing warmed.</summary>
    public long WarmupDpcRuns { get; private set; }

    /// <summary>
    /// After <see cref="Start"/>: one line for the user when a warm-up ran but no interrupt reached a DPC in it
    /// (on a gpio loopback, asking whether the lines are wired); null when the run starts warm or without one.
    /// </summary>
    public string? ColdStartWarning =>
        _options.Warmup <= TimeSpan.Zero || WarmupElapsed == TimeSpan.Zero || WarmupDpcRuns != 0
            ? null
            : $"warm-up: no interrupt reached a DPC within {_options.WarmupGrace.TotalSeconds:0} s, so the measured run starts cold (its first interrupts include JIT compilation){_rig.Source.ColdStartHint}";

    /// <summary>
    /// Runs the warm-up (if any: a throwaway rig of the same source, see <see cref="LatencySessionOptions.Warmup"/>),
    /// then opens the source (GPIO errors surface here as <see cref="GpioException"/>), starts the kernel and the stimulus.
    /// </summary>
    public void Start(CancellationToken cancellationToken = default)
    {
        if (_options.Warmup > TimeSpan.Zero)
        {
            var began = MonotonicClock.NowNs;
            using (var warmup = new LatencyRig(_options.ForWarmup()))
            {
                warmup.Start();
                warmup.WaitWarm(_options.Warmup, _options.WarmupRuns, _options.WarmupGrace, cancellationToken);
                warmup.Stop();
                WarmupDpcRuns = warmup.Completed;
            }

            WarmupElapsed = TimeSpan.FromTicks((MonotonicClock.NowNs - began) / 100);
        }

        // Start clean: the garbage of start-up and warm-up collected now, not by a GC that stops the ISR and DPC
        // threads during the first measured interrupts. What GCs the run still saw is reported (GcDuringRun).
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        _gcAtStart = GcCounts.Now();
        // Held for the measured run only, as cyclictest --latency holds it: no CPU may sleep in a deep idle state.
        _cpuDmaLatency = _options.HoldCpuDmaLatency ? Platform.CpuDmaLatency.Hold(_options.CpuDmaLatencyPath) : null;
        CpuDmaLatency = _cpuDmaLatency?.Status;
        _rig.Start();
    }

    /// <summary>After <see cref="Start"/>: whether the measured run held /dev/cpu_dma_latency at 0 (and why not); null when not asked to.</summary>
    public CpuDmaLatencyStatus? CpuDmaLatency { get; private set; }

    /// <summary>True when a late interrupt stopped the run (--break without --break-continue).</summary>
    public bool Broke => _rig.Broke;

    /// <summary>Late interrupts that reached the break threshold (--break).</summary>
    public long Breaks => _rig.Watch?.Breaks ?? 0;

    /// <summary>The flight recorder's windows kept for the trace (--break), oldest first.</summary>
    public IReadOnlyList<FlightWindow> BreakWindows => _rig.Watch?.Windows ?? [];

    /// <summary>After <see cref="Stop"/>: the attribution of the late interrupts (--analyze), or null.</summary>
    public AttributionSummary? Attribution { get; private set; }

    /// <summary>
    /// The attribution so far while the run goes on (the whole run's after <see cref="Stop"/>), for live views such as
    /// the dashboard; null without --analyze or before the measured run started. Any thread; off the hot path.
    /// </summary>
    public AttributionSummary? AttributionSoFar() => Attribution ?? (_rig.Started ? _rig.Watch?.Summary() : null);

    /// <summary>After <see cref="Stop"/>: why DPCs still queued at the end never ran (stopping gave up waiting for them), or null.</summary>
    public string? ShutdownProblem => _rig.ShutdownProblem;

    /// <summary>After <see cref="Stop"/>: the garbage collections (each stops every managed thread, the ISR's and the DPCs' too) during the measured run.</summary>
    public GcCounts? GcDuringRun => _gcDuringRun;

    /// <summary>Blocks until the loop count or duration is reached, or <paramref name="cancellationToken"/> fires. True when the run completed.</summary>
    public bool Wait(CancellationToken cancellationToken) => _rig.Wait(cancellationToken);

    /// <summary>Stops the stimulus and the source, lets queued DPCs finish, then stops the kernel. Nothing recorded is lost.</summary>
    public void Stop()
    {
        _rig.Stop();
        Attribution ??= _rig.Watch?.Summary();
        _gcDuringRun ??= _rig.Started ? GcCounts.Now() - _gcAtStart : null;
        _cpuDmaLatency?.Dispose();
    }

    /// <summary>After <see cref="Stop"/>: the run report, the session's own counts and one full snapshot of the kernel.</summary>
    public LatencyRun Result() => LatencyRun.Of(this, KernelSnapshot.Take(Kernel));

    public void Dispose()
    {
        _rig.Dispose();
        _cpuDmaLatency?.Dispose();
    }
}

/// <summary>Garbage collections by generation and their total pause, as the runtime counts them.</summary>
public readonly record struct GcCounts(int Gen0, int Gen1, int Gen2, TimeSpan Pause)
{
    public static GcCounts Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    public static GcCounts operator -(GcCounts a, GcCounts b) => new(a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.Pause - b.Pause);
}
