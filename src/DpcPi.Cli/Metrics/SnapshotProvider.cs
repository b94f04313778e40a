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
            s.QueueDepth + s.ThreadedQueueDepth,
            s.QueueDepthHighWater,
            s.TimeInDpcNs / 1e6,
            s.WatchdogPerDpcViolations,
            s.WatchdogCumulativeViolations,
            s.Exceptions)).ToArray();
        var gpio = session.GpioStatistics;
        var stages = Enum.GetValues<LatencyStage>().Select(st => Stage(st, snapshot[st])).ToArray();
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
            AbsoluteMaxUs = stages[(int)LatencyStage.EdgeToDpcStart].MaxUs,
            Stages = stages,
        };
    }

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

    private static StageView Stage(LatencyStage stage, LatencyHistogram h)
    {
        var counts = new long[BucketBoundsUs.Length + 1];
        long total = 0;
        foreach (var (low, _, count) in h.RecordedBuckets())
        {
            var us = low / 1000.0;
            var i = 0;
            while (i < BucketBoundsUs.Length && us > BucketBoundsUs[i])
            {
                i++;
            }

            counts[i] += count;
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
            buckets);
    }
}
