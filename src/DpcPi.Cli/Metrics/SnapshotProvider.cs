using DpcPi.Cli.Hosting;
using DpcPi.Kernel.Measurement;
using DpcPi.Measurement;
using DpcPi.Platform;
using DpcPi.Reporting;

namespace DpcPi.Cli.Metrics;

/// <summary>
/// Builds <see cref="MetricsView"/>s from one <see cref="KernelSnapshot"/> of the running session for metrics, /metrics
/// and the dashboard. Only readers call it (thread-pool threads, under its lock); the ISR and DPC threads never wait
/// on it. A view is reused for <see cref="MaxAge"/> so several readers in the same moment share one (merging costs).
/// </summary>
internal sealed class SnapshotProvider
{
    /// <summary>The fixed histogram bounds in µs (Prometheus buckets, dashboard histogram); +Inf follows.</summary>
    public static readonly double[] BucketBoundsUs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 50_000, 100_000, 1_000_000];

    /// <summary>
    /// The /metrics histogram bounds in ns: 20 per decade, 10^(k/20) µs from 1 µs to 100 ms, rounded to whole ns
    /// (+Inf follows). Adjacent bounds differ by the ratio r = 10^(1/20) ≈ 1.122, so a quantile that
    /// histogram_quantile interpolates lies within a factor r of the true one (docs/fleet.md derives it): fleet
    /// quantiles summed over any number of Pis keep that error, which the dashboard's 1-2-5 bounds (r up to 2.5) would not.
    /// </summary>
    public static readonly long[] PrometheusBoundsNs = [.. Enumerable.Range(0, PrometheusBucketsPerDecade * 5 + 1).Select(k => (long)Math.Round(1000 * Math.Pow(10, k / (double)PrometheusBucketsPerDecade)))];

    /// <summary>Prometheus buckets per decade: r = 10^(1/20).</summary>
    public const int PrometheusBucketsPerDecade = 20;

    private static readonly long[] s_boundsNs = [.. BucketBoundsUs.Select(us => (long)(us * 1000))];

    public static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(250);

    private const int TimelineSeconds = 120;
    private readonly LatencyService _service;
    private readonly RunSettings _settings;
    private readonly Lock _lock = new();
    private KernelSnapshot? _snapshot; // of the current session's kernel, refreshed in place
    private bool _boundStarted; // the snapshot looked up the interrupts once the measured kernel ran
    private MetricsView? _last;
    private long _lastAtNs;

    public SnapshotProvider(LatencyService service, RunSettings settings)
    {
        _service = service;
        _settings = settings;
    }

    /// <summary>The current snapshot, or null before the session started.</summary>
    public MetricsView? Current()
    {
        lock (_lock)
        {
            var now = MonotonicClock.NowNs;
            if (_last is not null && now - _lastAtNs < MaxAge.Ticks * 100)
            {
                return _last;
            }

            try
            {
                var snapshot = Take();
                if (snapshot is not null)
                {
                    _last = snapshot;
                    _lastAtNs = now;
                }
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
            {
                // the session is being torn down: keep the last view
            }

            return _last;
        }
    }

    /// <summary>
    /// Every non-empty bucket of the edge→DPC start histogram (0.1 % wide) as [lowest ns, highest ns, count], for
    /// pooling several Pis' exact distributions elsewhere (GET /api/histogram); empty before the session started.
    /// </summary>
    public HistogramView EdgeToDpcStartHistogram()
    {
        _ = Current();
        lock (_lock)
        {
            if (_snapshot is null)
            {
                return new HistogramView(StageReport.NameOf(LatencyStage.EdgeToDpcStart), 0, []);
            }

            var buckets = _snapshot[LatencyStage.EdgeToDpcStart].RecordedBuckets().Select(b => new[] { b.Low, b.High, b.Count }).ToArray();
            return new HistogramView(StageReport.NameOf(LatencyStage.EdgeToDpcStart), buckets.Sum(b => b[2]), buckets);
        }
    }

    private MetricsView? Take()
    {
        var session = _service.Session;
        if (session is null)
        {
            return null;
        }

        if (_snapshot?.Kernel != session.Kernel)
        {
            _snapshot = new KernelSnapshot(session.Kernel, SnapshotDetail.Totals);
            _boundStarted = false;
        }

        var snapshot = _snapshot;
        // Until the measured kernel runs (the warm-up), its interrupts are not all connected: look them up until a
        // refresh that began after the start has (Started is read first, so that lookup saw them all).
        var started = session.Started;
        snapshot.Refresh(rebind: !_boundStarted);
        _boundStarted = started;
        var vectors = snapshot.Vectors.Select(v => new VectorView(v.Vector, v.Name, v.Count)).ToArray();
        var cpus = snapshot.Cores.Select(c => c.Statistics).Select(s => new CpuView(
            s.Cpu,
            s.DpcsRun + s.ThreadedDpcsRun,
            s.CoalescedInserts,
            s.CoalescedPendingTogether,
            s.QueueDepth + s.ThreadedQueueDepth,
            s.QueueDepthHighWater,
            s.TimeInDpcNs / 1e6,
            s.WatchdogPerDpcViolations,
            s.WatchdogCumulativeViolations,
            s.Exceptions)).ToArray();
        var gpio = session.GpioStatistics;
        var stages = Enum.GetValues<LatencyStage>().Select(st => Stage(st, snapshot[st])).ToArray();
        var deadlineNs = _settings.DeadlineNs;
        var edgeToDpc = snapshot[LatencyStage.EdgeToDpcStart];
        var g = snapshot.Guarantees;
        return new MetricsView
        {
            Source = session.SourceName,
            Lab = "latency",
            IntervalUs = _settings.Session.IntervalNs / 1000,
            DeadlineUs = _settings.DeadlineNs / 1000,
            Running = !_service.Stopping && _service.Fault is null,
            Fault = _service.Fault?.Code,
            UptimeSeconds = session.ElapsedNs / 1e9,
            TakenAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Completed = session.Completed,
            InterruptsTotal = snapshot.InterruptsTotal,
            Vectors = vectors,
            Cpus = cpus,
            LostEdges = gpio.Lost,
            MergedEdges = gpio.Merged,
            TimerExpiriesMerged = session.TimerOverruns,
            WatchdogViolations = snapshot.WatchdogViolations,
            DpcExceptions = snapshot.DpcExceptions,
            ClockTicks = snapshot.ClockTicks,
            Guarantees = new GuaranteesView(g.Realtime, g.Pinned, g.MemoryLocked, g.Notes),
            Timeline = Timeline(snapshot),
            DeadlineMisses = edgeToDpc.CountBetween(deadlineNs + 1, long.MaxValue),
            LastSecondMaxUs = LastSecondMax(snapshot) / 1000.0,
            AbsoluteMaxUs = stages[(int)LatencyStage.EdgeToDpcStart].MaxUs,
            Stages = stages,
            Attribution = Attribution(session.AttributionSoFar()),
        };
    }

    private static AttributionView? Attribution(AttributionSummary? a) => a is null ? null : new AttributionView(
        a.ThresholdNs / 1000.0,
        a.Analysed,
        a.Missed,
        a.TotalNs / 1000.0,
        [.. a.Totals.Where(p => p.Ns > 0).Select(p => new CauseView(
            AttributionSummary.Key(p.Cause),
            AttributionSummary.Describe(p.Cause),
            p.Ns / 1000.0,
            Math.Round(AttributionSummary.Percent(p.Ns, a.TotalNs), 1),
            string.Join(", ", p.Culprits.Select(n => n.Name))))],
        [.. a.TopCulprits.Select(n => new CulpritView(n.Name, n.Ns / 1000.0))],
        a.Cause);

    /// <summary>The last <see cref="TimelineSeconds"/> of the snapshot's per-second maxima, in µs.</summary>
    private static TimelineView Timeline(KernelSnapshot snapshot)
    {
        var timeline = snapshot.Timeline;
        var first = Math.Max(0, timeline.Length - TimelineSeconds);
        var max = new double[timeline.Length - first];
        for (var s = first; s < timeline.Length; s++)
        {
            max[s - first] = timeline[s] / 1000.0;
        }

        return new TimelineView(first, max);
    }

    /// <summary>The maximum of the last complete second (ns); the running second while only one has begun.</summary>
    private static long LastSecondMax(KernelSnapshot snapshot)
    {
        var timeline = snapshot.Timeline;
        return timeline.Length switch
        {
            0 => 0,
            1 => timeline[0],
            _ => timeline[^2],
        };
    }

    /// <summary>The bucket a value of <paramref name="ns"/> counts in: the first bound at or above it (values on a bound count in it, as le says).</summary>
    private static int BucketOf(long[] boundsNs, long ns)
    {
        var i = Array.BinarySearch(boundsNs, ns);
        return i >= 0 ? i : ~i;
    }

    private static StageView Stage(LatencyStage stage, LatencyHistogram h)
    {
        var counts = new long[BucketBoundsUs.Length + 1];
        var fine = new long[PrometheusBoundsNs.Length + 1];
        long total = 0;
        foreach (var (low, _, count) in h.RecordedBuckets())
        {
            // A histogram bucket (0.1 % wide) counts where its lowest value falls.
            counts[BucketOf(s_boundsNs, low)] += count;
            fine[BucketOf(PrometheusBoundsNs, low)] += count;
            total += count;
        }

        var buckets = new BucketView[counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            buckets[i] = new BucketView(i < BucketBoundsUs.Length ? BucketBoundsUs[i] : double.PositiveInfinity, counts[i]);
        }

        // Count comes from the buckets so that +Inf always equals _count, even while recording goes on.
        return new StageView(
            StageReport.NameOf(stage),
            total,
            h.Sum / 1000.0,
            h.GetValueAtPercentile(50) / 1000.0,
            h.GetValueAtPercentile(99) / 1000.0,
            h.GetValueAtPercentile(99.9) / 1000.0,
            h.Max / 1000.0,
            buckets)
        {
            PrometheusCounts = fine,
        };
    }
}
