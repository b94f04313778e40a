using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;

namespace DpcPi.Measurement;

/// <summary>
/// The one read model of a <see cref="DpcKernel"/>'s figures: the five stages merged over the ISR thread and every
/// core, each core's, vector's and DPC's counters (and, in <see cref="SnapshotDetail.Full"/>, their own histograms),
/// the per-second maxima and the outliers, each computed once per <see cref="Refresh"/>. Reports, metrics, the
/// dashboard, live views and soak all read this instead of the kernel's getters. Its storage is allocated when it is
/// created and when it first binds the kernel's interrupts and DPCs; a refresh after that allocates nothing (outliers
/// and first edges, read in full detail only, excepted). One reader thread at a time refreshes and reads it.
/// </summary>
public sealed class KernelSnapshot
{
    private static readonly LatencyStage[] s_stages = Enum.GetValues<LatencyStage>();
    private readonly LatencyHistogram[] _stages;
    private readonly CoreFigures[] _cores;
    private readonly List<VectorFigures> _vectors = [];
    private readonly List<DpcFigures> _dpcs = [];
    private readonly long[] _timeline;
    private readonly List<OutlierFigure> _outliers = [];
    private bool _bound;

    public KernelSnapshot(DpcKernel kernel, SnapshotDetail detail = SnapshotDetail.Full)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        Kernel = kernel;
        Detail = detail;
        _stages = new LatencyHistogram[s_stages.Length];
        for (var i = 0; i < _stages.Length; i++)
        {
            _stages[i] = new LatencyHistogram();
        }

        _cores = new CoreFigures[kernel.Processors.Count];
        for (var i = 0; i < _cores.Length; i++)
        {
            _cores[i] = new CoreFigures(kernel.Processors[i], detail == SnapshotDetail.Full);
        }

        _timeline = new long[Math.Max(1, kernel.Figures.Options.TimelineSeconds)];
    }

    /// <summary>A new full snapshot, refreshed once: what a report reads.</summary>
    public static KernelSnapshot Take(DpcKernel kernel)
    {
        var snapshot = new KernelSnapshot(kernel);
        snapshot.Refresh();
        return snapshot;
    }

    public DpcKernel Kernel { get; }

    public SnapshotDetail Detail { get; }

    /// <summary>The kernel clock when the snapshot was last refreshed (ns).</summary>
    public long TakenAtNs { get; private set; }

    /// <summary>One stage merged over the ISR thread and every core's normal and threaded lane.</summary>
    public LatencyHistogram this[LatencyStage stage] => _stages[(int)stage];

    /// <summary>The headline stage: event timestamp → DPC routine start, over every core.</summary>
    public LatencyHistogram EdgeToDpcStart => this[LatencyStage.EdgeToDpcStart];

    /// <summary>The kernel's cores, in <see cref="DpcKernel.Processors"/> order.</summary>
    public IReadOnlyList<CoreFigures> Cores => _cores;

    /// <summary>Connected interrupts (the clock's included), in connection order.</summary>
    public IReadOnlyList<VectorFigures> Vectors => _vectors;

    /// <summary>The DPC routines the kernel's users initialised (not the kernel's own).</summary>
    public IReadOnlyList<DpcFigures> Dpcs => _dpcs;

    /// <summary>The seconds (since the kernel started) for which the per-second maxima hold a value.</summary>
    public int TimelineLength { get; private set; }

    /// <summary>The maximum edge→DPC-start latency of each second since the kernel started (ns; 0 = nothing ran), over every core's normal lane.</summary>
    public ReadOnlySpan<long> Timeline => _timeline.AsSpan(0, TimelineLength);

    /// <summary>Stored outliers of every core and lane, core by core (full detail).</summary>
    public IReadOnlyList<OutlierFigure> Outliers => _outliers;

    /// <summary>Outliers counted (including those beyond the stored lists).</summary>
    public long OutlierCount { get; private set; }

    /// <summary>The first edge→DPC-start values of the core that ran the most DPCs, in order (full detail): a JIT stall would show here.</summary>
    public IReadOnlyList<long> FirstEdgesToDpcStart { get; private set; } = [];

    public long ClockTicks { get; private set; }

    public long WatchdogViolations { get; private set; }

    public long TimeInIsrNs { get; private set; }

    /// <summary>Interrupts dispatched, every vector.</summary>
    public long InterruptsTotal { get; private set; }

    /// <summary>Interrupts of device vectors (below CLOCK IRQL): what the sources raised.</summary>
    public long DeviceInterrupts { get; private set; }

    /// <summary>DPCs run, normal and threaded, every core.</summary>
    public long DpcsRun { get; private set; }

    public long CoalescedInserts { get; private set; }

    /// <summary>Of <see cref="CoalescedInserts"/>, those from interrupts pending together with the one that queued the DPC (one ISR pass).</summary>
    public long CoalescedPendingTogether { get; private set; }

    public long TimeInDpcNs { get; private set; }

    public long DpcExceptions { get; private set; }

    /// <summary>DPCs queued at the refresh, normal and threaded, every core.</summary>
    public long Queued { get; private set; }

    public KernelGuarantees Guarantees => Kernel.Figures.Guarantees;

    /// <summary>The maximum edge→DPC-start latency of <paramref name="second"/> (0 when nothing ran, or outside the timeline).</summary>
    public long MaxInSecond(int second) => second >= 0 && second < TimelineLength ? _timeline[second] : 0;

    /// <summary>
    /// Copies the kernel's figures into this snapshot. The interrupts and DPCs are looked up on the first refresh
    /// and whenever <paramref name="rebind"/> is set (before a run's objects all exist, e.g. during its warm-up).
    /// </summary>
    public void Refresh(bool rebind = false)
    {
        if (!_bound || rebind)
        {
            Bind();
        }

        var k = Kernel;
        var full = Detail == SnapshotDetail.Full;
        foreach (var stage in s_stages)
        {
            k.Figures.MergeStageInto(stage, _stages[(int)stage]);
        }

        long dpcsRun = 0, coalesced = 0, pendingTogether = 0, timeInDpc = 0, exceptions = 0, queued = 0;
        foreach (var core in _cores)
        {
            var s = k.Figures.GetProcessorStatistics(core.Cpu);
            core.Statistics = s;
            dpcsRun += s.DpcsRun + s.ThreadedDpcsRun;
            coalesced += s.CoalescedInserts;
            pendingTogether += s.CoalescedPendingTogether;
            timeInDpc += s.TimeInDpcNs;
            exceptions += s.Exceptions;
            queued += s.QueueDepth + s.ThreadedQueueDepth;
            if (full)
            {
                var normal = k.Figures.GetRecorder(core.Cpu);
                var threaded = k.Figures.GetRecorder(core.Cpu, threaded: true);
                Merge(core.EdgeToDpcStart, normal, threaded, LatencyStage.EdgeToDpcStart);
                Merge(core.QueueWait, normal, threaded, LatencyStage.QueueWait);
                Merge(core.DpcDuration, normal, threaded, LatencyStage.DpcDuration);
            }
        }

        (DpcsRun, CoalescedInserts, CoalescedPendingTogether, TimeInDpcNs, DpcExceptions, Queued) = (dpcsRun, coalesced, pendingTogether, timeInDpc, exceptions, queued);
        RefreshVectors(full);
        foreach (var d in _dpcs)
        {
            d.Statistics = d.Dpc.GetStatistics();
            if (full)
            {
                d.ExecutionTime.Reset();
                d.ExecutionTime.Add(d.Dpc.ExecutionTime);
            }
        }

        RefreshTimeline();
        if (full)
        {
            RefreshOutliers();
        }

        ClockTicks = k.Figures.ClockTicks;
        WatchdogViolations = k.Figures.WatchdogViolations;
        TimeInIsrNs = k.Figures.TimeInIsrNs;
        TakenAtNs = k.Clock.NowNs;
    }

    private void Bind()
    {
        var full = Detail == SnapshotDetail.Full;
        var interrupts = Kernel.Figures.Interrupts;
        if (interrupts.Count != _vectors.Count || !interrupts.Select((i, n) => _vectors[n].Interrupt == i).All(same => same))
        {
            _vectors.Clear();
            _vectors.AddRange(interrupts.Select(i => new VectorFigures(i, full)));
        }

        var dpcs = Kernel.Figures.Dpcs;
        if (dpcs.Count != _dpcs.Count || !dpcs.Select((d, n) => _dpcs[n].Dpc == d).All(same => same))
        {
            _dpcs.Clear();
            _dpcs.AddRange(dpcs.Select(d => new DpcFigures(d, full)));
        }

        _bound = true;
    }

    private void RefreshVectors(bool full)
    {
        long total = 0, device = 0;
        foreach (var v in _vectors)
        {
            var i = v.Interrupt;
            v.Count = i.Count;
            v.Unhandled = i.Unhandled;
            v.SlowIsrs = i.SlowIsrCount;
            v.MaxIsrNs = i.MaxIsrNs;
            total += v.Count;
            if (i.Irql < Irql.Clock)
            {
                device += v.Count;
            }

            if (full)
            {
                Copy(v.EdgeToIsr, i.EdgeToIsr);
                Copy(v.IsrDuration, i.IsrDuration);
                Copy(v.EdgeToDpcStart, i.EdgeToDpcStart);
            }
        }

        (InterruptsTotal, DeviceInterrupts) = (total, device);
    }

    /// <summary>The per-second maxima over every core's normal lane (the threaded lanes keep no timeline).</summary>
    private void RefreshTimeline()
    {
        var k = Kernel;
        var length = 0;
        foreach (var core in _cores)
        {
            length = Math.Max(length, k.Figures.GetRecorder(core.Cpu).TimelineLength);
        }

        length = Math.Min(length, _timeline.Length);
        for (var second = 0; second < length; second++)
        {
            long max = 0;
            foreach (var core in _cores)
            {
                max = Math.Max(max, k.Figures.GetRecorder(core.Cpu).MaxInSecond(second));
            }

            _timeline[second] = max;
        }

        TimelineLength = length;
    }

    private void RefreshOutliers()
    {
        _outliers.Clear();
        long count = 0;
        IReadOnlyList<long> first = [];
        foreach (var core in _cores)
        {
            var normal = Kernel.Figures.GetRecorder(core.Cpu);
            foreach (var recorder in new[] { normal, Kernel.Figures.GetRecorder(core.Cpu, threaded: true) })
            {
                count += recorder.OutlierCount;
                foreach (var (cycle, latency) in recorder.Outliers())
                {
                    _outliers.Add(new OutlierFigure(core.Cpu, cycle, latency));
                }
            }

            var firsts = normal.FirstEdgeToDpcStart();
            if (firsts.Length > first.Count)
            {
                first = firsts;
            }
        }

        OutlierCount = count;
        FirstEdgesToDpcStart = first;
    }

    private static void Merge(LatencyHistogram into, LatencyRecorder a, LatencyRecorder b, LatencyStage stage)
    {
        into.Reset();
        into.Add(a[stage]);
        into.Add(b[stage]);
    }

    private static void Copy(LatencyHistogram into, LatencyHistogram from)
    {
        into.Reset();
        into.Add(from);
    }
}
