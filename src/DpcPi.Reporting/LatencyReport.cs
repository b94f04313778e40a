using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.Measurement;
using DpcPi.Platform;

namespace DpcPi.Reporting;

/// <summary>
/// Everything one run measured, taken from a <see cref="DpcKernel"/> snapshot: the guarantees in force,
/// the five latency stages merged, per core, per vector and per DPC routine, the per-second maximum
/// timeline, outliers, loss counters and the time spent in ISRs and DPCs. Every renderer reads this.
/// </summary>
public sealed class LatencyReport
{
    /// <summary>The LatencyMon execution-time bucket edges (µs).</summary>
    internal static readonly long[] BucketEdgesUs = [0, 250, 500, 1000, 2000, 4000];

    public required string Source { get; init; }

    public required long DeadlineNs { get; init; }

    public required int HistogramLimitUs { get; init; }

    public required long DurationNs { get; init; }

    public required int CoreCount { get; init; }

    public required IReadOnlyDictionary<string, string> RunInfo { get; init; }

    public required GuaranteesReport Guarantees { get; init; }

    /// <summary>The hypervisor's steal of the measured CPUs' time during the run (%), null where unknown (see <see cref="ReportContext.StealPercent"/>).</summary>
    public double? StealPercent { get; init; }

    /// <summary>Whether /dev/cpu_dma_latency was held at 0 during the measured run (cyclictest --latency); null where not asked or unknown.</summary>
    public CpuDmaLatencyStatus? CpuDmaLatency { get; init; }

    /// <summary>Fewer edge→DPC-start samples than this give no verdict, only "inconclusive" (see <see cref="ReportContext.MinimumSamples"/>).</summary>
    public long MinimumSamples { get; init; }

    /// <summary>A measured run shorter than this gives no verdict (see <see cref="ReportContext.MinimumDuration"/>).</summary>
    public long MinimumDurationNs { get; init; }

    /// <summary>The five stages in <see cref="LatencyStage"/> order.</summary>
    public required IReadOnlyList<StageReport> Stages { get; init; }

    public required IReadOnlyList<CoreReport> Cores { get; init; }

    public required IReadOnlyList<VectorReport> Vectors { get; init; }

    public required IReadOnlyList<DpcRoutineReport> Dpcs { get; init; }

    /// <summary>Maximum edge→DPC-start latency of each second since the kernel started (ns; 0 = nothing ran).</summary>
    public required IReadOnlyList<long> Timeline { get; init; }

    public required IReadOnlyList<OutlierReport> Outliers { get; init; }

    /// <summary>Outliers counted (including those beyond the stored list).</summary>
    public required long OutlierCount { get; init; }

    public required long OutlierThresholdNs { get; init; }

    public required long Lost { get; init; }

    public required long Merged { get; init; }

    public required long Coalesced { get; init; }

    /// <summary>
    /// Of <see cref="Coalesced"/>, the inserts from interrupts pending together with the one that queued the DPC: the ISR
    /// thread dispatched them in one pass (it came back late to several events), so the DPC could not run between them.
    /// The rest found a DPC queued by an earlier pass that had not started yet.
    /// </summary>
    public long CoalescedPendingTogether { get; init; }

    public required long Watchdog { get; init; }

    public required long TimeInIsrNs { get; init; }

    public required long TimeInDpcNs { get; init; }

    public required long MaxIsrNs { get; init; }

    public required string? MaxIsrVector { get; init; }

    public required long MaxDpcNs { get; init; }

    public required string? MaxDpcRoutine { get; init; }

    /// <summary>DPC execution time in the LatencyMon buckets (&lt;250, 250–500, 500–1000, 1000–2000, 2000–4000, ≥4000 µs).</summary>
    public required IReadOnlyList<LatencyBucket> DpcExecutionBuckets { get; init; }

    /// <summary>ISR execution time in the same buckets.</summary>
    public required IReadOnlyList<LatencyBucket> IsrExecutionBuckets { get; init; }

    /// <summary>Set when <see cref="HistogramLimitUs"/> &gt; 0.</summary>
    public required CyclictestHistogram? Histogram { get; init; }

    /// <summary>The late interrupts taken apart (<c>--analyze</c>), written as the JSON's "attribution" object; null without it.</summary>
    public AttributionSummary? Attribution { get; private set; }

    /// <summary>The `dpcpi run` service's own accounting, written as the JSON's "service" object; null for other runs.</summary>
    public ServiceReport? Service { get; private set; }

    public StageReport this[LatencyStage stage] => Stages[(int)stage];

    /// <summary>
    /// Edge → the DPC run that served it, for every interrupt (the JSON's stages.edge_to_serving_dpc): unlike
    /// <see cref="EdgeToDpcStart"/>, which has one sample per DPC run, it keeps the interrupts a DpcForIsr coalesced,
    /// so it compares with a reader that times every edge. Null where the run had no measuring device.
    /// </summary>
    public StageStatistics? EdgeToServingDpc { get; private set; }

    /// <summary>The headline: event timestamp → DPC routine start.</summary>
    public StageReport EdgeToDpcStart => this[LatencyStage.EdgeToDpcStart];

    /// <summary>% of the run spent inside ISRs (one ISR thread).</summary>
    public double IsrPercent => DurationNs <= 0 ? 0 : 100.0 * TimeInIsrNs / DurationNs;

    /// <summary>% of the cores' time spent in DPC routines.</summary>
    public double DpcPercent => DurationNs <= 0 || CoreCount == 0 ? 0 : 100.0 * TimeInDpcNs / ((double)DurationNs * CoreCount);

    /// <summary>True when the run had enough samples and time for a verdict (<see cref="MinimumSamples"/>, <see cref="MinimumDurationNs"/>).</summary>
    public bool Conclusive
    {
        get
        {
            var count = EdgeToDpcStart.Statistics.Count;
            return count > 0 && count >= MinimumSamples && DurationNs >= MinimumDurationNs;
        }
    }

    /// <summary>True when the run was <see cref="Conclusive"/> and p99.9 and max of edge→DPC-start are below the deadline.</summary>
    public bool Suitable
    {
        get
        {
            var s = EdgeToDpcStart.Statistics;
            return Conclusive && s.P999Ns < DeadlineNs && s.MaxNs < DeadlineNs;
        }
    }

    /// <summary>The verdict in a few words, for a picture's caption: "suitable at 1 ms", "not suitable at 1 ms", "inconclusive: 3 samples".</summary>
    public string ShortVerdict
    {
        get
        {
            var deadline = LogAxis.Label(DeadlineNs / 1000.0);
            var count = EdgeToDpcStart.Statistics.Count;
            return count == 0 ? "no verdict: no interrupt reached a DPC"
                : !Conclusive ? $"inconclusive: {Units.Int(count)} samples in {Units.Fixed(DurationNs / 1e9, 1)} s (a verdict needs {Units.Int(MinimumSamples)} samples and {Units.Fixed(MinimumDurationNs / 1e9, 1)} s)"
                : Suitable ? $"verdict: suitable for real-time work at a deadline of {deadline}"
                : $"verdict: not suitable for real-time work at a deadline of {deadline}";
        }
    }

    /// <summary>The plain-language verdict, with the guarantees caveat when any was missing.</summary>
    public string Verdict
    {
        get
        {
            var s = EdgeToDpcStart.Statistics;
            var deadline = Units.Us(DeadlineNs);
            string text;
            if (s.Count == 0)
            {
                text = $"No interrupt reached a DPC: nothing to judge at a deadline of {deadline} µs.";
            }
            else if (!Conclusive)
            {
                // A handful of samples says nothing about p99.9 or the rare stall: no verdict either way.
                text = $"Inconclusive: {Units.Int(s.Count)} samples in {Units.Fixed(DurationNs / 1e9, 3)} s; a verdict at a deadline of {deadline} µs needs at least {Units.Int(MinimumSamples)} samples and {Units.Fixed(MinimumDurationNs / 1e9, 1)} s of measured run (raise -l or -D). So far edge→DPC-start p99 is {Units.Us(s.P99Ns)} µs and the maximum {Units.Us(s.MaxNs)} µs{(s.MaxNs >= DeadlineNs ? ", already at or above the deadline" : "")}.";
            }
            else if (Suitable)
            {
                text = $"This system appears suitable for real-time work at a deadline of {deadline} µs: edge→DPC-start p99.9 is {Units.Us(s.P999Ns)} µs and the maximum {Units.Us(s.MaxNs)} µs.";
            }
            else
            {
                var worst = Stages
                    .Where(st => st.Stage != LatencyStage.EdgeToDpcStart)
                    .OrderByDescending(st => st.Statistics.MaxNs)
                    .First();
                text = $"This system is not suitable for real-time work at a deadline of {deadline} µs: edge→DPC-start p99.9 is {Units.Us(s.P999Ns)} µs and the maximum {Units.Us(s.MaxNs)} µs. The worst stage is {worst.Name} (max {Units.Us(worst.Statistics.MaxNs)} µs)";
                text += MaxDpcRoutine is null ? "." : $"; the slowest DPC routine is {MaxDpcRoutine} (max {Units.Us(MaxDpcNs)} µs).";
            }

            var missing = Guarantees.Missing();
            if (missing.Count > 0)
            {
                text += $" These figures were measured without {string.Join(", ", missing)}.";
            }

            if (StealPercent >= CpuTimes.StealWorthNoting)
            {
                text += $" The hypervisor took {CpuTimes.Format(StealPercent)} of these CPUs' time during the run (steal): the figures include the host's delays, not only this system's.";
            }

            return text;
        }
    }

    /// <summary>Builds a report from a new full snapshot of <paramref name="kernel"/>.</summary>
    public static LatencyReport FromKernel(DpcKernel kernel, ReportContext context) => From(KernelSnapshot.Take(kernel), context);

    /// <summary>
    /// The report of a latency run, as the CLI and the service both build it: the run's own facts as run_info
    /// (plus <paramref name="runInfo"/>), judged against <paramref name="deadlineNs"/>.
    /// </summary>
    public static LatencyReport FromRun(LatencyRun run, long deadlineNs, int histogramLimitUs = 0, IReadOnlyDictionary<string, string>? runInfo = null, ServiceReport? service = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var info = new Dictionary<string, string>(run.RunInfo());
        foreach (var (key, value) in runInfo ?? new Dictionary<string, string>())
        {
            info[key] = value;
        }

        var report = From(run.Snapshot, new ReportContext
        {
            Source = run.Source,
            DeadlineNs = deadlineNs,
            HistogramLimitUs = histogramLimitUs,
            LostEdges = run.LostEdges,
            MergedEdges = run.MergedEvents,
            Duration = run.Duration,
            StealPercent = run.StealPercent,
            CpuDmaLatency = run.CpuDmaLatency,
            RunInfo = info,
        });
        report.Service = service;
        report.Attribution = run.Attribution;
        report.EdgeToServingDpc = run.EdgeToServingDpc is { } serving ? StageStatistics.From(serving) : null;
        return report;
    }

    /// <summary>Builds a report from a full <paramref name="snapshot"/>; the report keeps its histograms, so the snapshot must not be refreshed again.</summary>
    public static LatencyReport From(KernelSnapshot snapshot, ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfNegative(context.HistogramLimitUs);
        if (snapshot.Detail != SnapshotDetail.Full)
        {
            throw new ArgumentException("a report needs a full snapshot (per-core, per-vector and per-DPC histograms)", nameof(snapshot));
        }

        var stages = Enum.GetValues<LatencyStage>()
            .Select(stage => new StageReport(stage, StageReport.NameOf(stage), StageStatistics.From(snapshot[stage]), snapshot[stage]))
            .ToArray();

        var cores = snapshot.Cores
            .Select(c =>
            {
                var ps = c.Statistics;
                return new CoreReport(
                    c.Cpu,
                    ps.DpcsRun,
                    ps.ThreadedDpcsRun,
                    ps.CoalescedInserts,
                    ps.CoalescedPendingTogether,
                    ps.Exceptions,
                    ps.TimeInDpcNs,
                    ps.MaxDpcExecutionNs,
                    ps.MaxDpcRoutine,
                    ps.QueueDepthHighWater,
                    ps.WatchdogPerDpcViolations + ps.WatchdogCumulativeViolations,
                    StageStatistics.From(c.EdgeToDpcStart),
                    StageStatistics.From(c.QueueWait),
                    StageStatistics.From(c.DpcDuration));
            })
            .ToArray();
        var outliers = snapshot.Outliers.Select(o => new OutlierReport(o.Cpu, o.Cycle, o.LatencyNs)).ToList();

        var vectors = snapshot.Vectors
            .OrderBy(v => v.Vector)
            .Select(v => new VectorReport(v.Vector, v.Name, v.Count, v.Unhandled, v.SlowIsrs, v.MaxIsrNs,
                StageStatistics.From(v.EdgeToIsr), StageStatistics.From(v.IsrDuration), StageStatistics.From(v.EdgeToDpcStart), v.EdgeToDpcStart))
            .ToArray();

        var dpcs = snapshot.Dpcs
            .Select(d =>
            {
                var st = d.Statistics;
                return new DpcRoutineReport(st.Name, d.Threaded, st.RunCount, st.CoalescedInserts, st.CoalescedPendingTogether, st.Exceptions, st.MaxExecutionNs,
                    st.RunCount == 0 ? 0 : (double)st.TotalExecutionNs / st.RunCount, StageStatistics.From(d.ExecutionTime), d.ExecutionTime);
            })
            .ToArray();

        var kernel = snapshot.Kernel;
        var maxIsr = vectors.OrderByDescending(v => v.MaxIsrNs).FirstOrDefault();
        var maxDpc = dpcs.OrderByDescending(d => d.MaxExecutionNs).FirstOrDefault();
        var duration = context.Duration is { } d ? (long)(d.TotalMilliseconds * 1_000_000) : snapshot.TakenAtNs - kernel.Figures.EpochNs;
        var edgeToDpc = stages[(int)LatencyStage.EdgeToDpcStart].Histogram;
        var guarantees = snapshot.Guarantees;

        return new LatencyReport
        {
            Source = context.Source,
            DeadlineNs = context.DeadlineNs,
            HistogramLimitUs = context.HistogramLimitUs,
            DurationNs = Math.Max(0, duration),
            CoreCount = cores.Length,
            RunInfo = new Dictionary<string, string>(context.RunInfo),
            Guarantees = new GuaranteesReport(guarantees.Realtime, guarantees.Pinned, guarantees.MemoryLocked, guarantees.Notes),
            StealPercent = context.StealPercent,
            CpuDmaLatency = context.CpuDmaLatency,
            MinimumSamples = context.MinimumSamples,
            MinimumDurationNs = (long)(context.MinimumDuration.TotalMilliseconds * 1_000_000),
            Stages = stages,
            Cores = cores,
            Vectors = vectors,
            Dpcs = dpcs,
            Timeline = snapshot.Timeline.ToArray(),
            Outliers = outliers.OrderBy(o => o.Cycle).ToArray(),
            OutlierCount = snapshot.OutlierCount,
            OutlierThresholdNs = kernel.Figures.Options.OutlierThresholdNs,
            Lost = context.LostEdges,
            Merged = context.MergedEdges,
            Coalesced = snapshot.CoalescedInserts,
            CoalescedPendingTogether = snapshot.CoalescedPendingTogether,
            Watchdog = snapshot.WatchdogViolations,
            TimeInIsrNs = snapshot.TimeInIsrNs,
            TimeInDpcNs = snapshot.TimeInDpcNs,
            MaxIsrNs = maxIsr?.MaxIsrNs ?? 0,
            MaxIsrVector = maxIsr is null || maxIsr.MaxIsrNs == 0 ? null : $"{maxIsr.Name} (vector {maxIsr.Vector})",
            MaxDpcNs = maxDpc?.MaxExecutionNs ?? 0,
            MaxDpcRoutine = maxDpc is null || maxDpc.Runs == 0 ? null : maxDpc.Name,
            DpcExecutionBuckets = Buckets(stages[(int)LatencyStage.DpcDuration].Histogram),
            IsrExecutionBuckets = Buckets(stages[(int)LatencyStage.IsrDuration].Histogram),
            Histogram = context.HistogramLimitUs > 0 ? BuildHistogram(edgeToDpc, context.HistogramLimitUs, outliers) : null,
        };
    }

    internal static LatencyBucket[] Buckets(LatencyHistogram h)
    {
        var edges = BucketEdgesUs;
        var result = new LatencyBucket[edges.Length];
        for (var i = 0; i < edges.Length; i++)
        {
            var from = edges[i] * 1000;
            var to = i + 1 < edges.Length ? edges[i + 1] * 1000 : long.MaxValue;
            var count = h.RecordedBuckets().Where(b => RepresentativeValue(b.Low, b.High) >= from && RepresentativeValue(b.Low, b.High) < to).Sum(b => b.Count);
            result[i] = new LatencyBucket(edges[i], i + 1 < edges.Length ? edges[i + 1] : null, count);
        }

        return result;
    }

    /// <summary>
    /// The value a histogram bucket stands for when counts are split at µs boundaries: its highest
    /// equivalent value, as HdrHistogram reports percentiles (a value exactly on a boundary counts above it).
    /// </summary>
    private static long RepresentativeValue(long low, long high) => high;

    private static CyclictestHistogram BuildHistogram(LatencyHistogram h, int limitUs, List<OutlierReport> outliers)
    {
        var buckets = new long[limitUs];
        foreach (var (low, high, count) in h.RecordedBuckets())
        {
            var us = RepresentativeValue(low, high) / 1000;
            if (us < limitUs)
            {
                buckets[us] += count;
            }
        }

        var overflows = h.TotalCount - buckets.Sum();
        var limitNs = limitUs * 1000L;
        var cycles = outliers.Where(o => o.LatencyNs >= limitNs).OrderBy(o => o.Cycle).Select(o => o.Cycle).ToArray();
        return new CyclictestHistogram(limitUs, buckets, overflows, cycles);
    }
}
