using DpcPi.Cli.Hosting;
using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.Platform;
using DpcPi.Reporting;

namespace DpcPi.Cli.Metrics;

/// <summary>
/// Builds <see cref="KernelSnapshot"/>s from the kernel's read-only statistics for metrics, /metrics and the
/// dashboard. Only readers call it (thread-pool threads); the ISR and DPC threads never wait on it. A snapshot
/// is reused for <see cref="MaxAge"/> so several readers in the same moment share one (merging histograms costs).
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
    private readonly LatencyHistogram[] _mergeTargets = Enum.GetValues<LatencyStage>().Select(_ => new LatencyHistogram()).ToArray();
    private KernelSnapshot? _last;
    private long _lastAtNs;

    public SnapshotProvider(LatencyService service, RunSettings settings)
    {
        _service = service;
        _settings = settings;
    }

    /// <summary>The current snapshot, or null before the session started.</summary>
    public KernelSnapshot? Current()
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

    private KernelSnapshot? Take()
    {
        var session = _service.Session;
        if (session is null)
        {
            return null;
        }

        var k = session.Kernel;
        var stats = k.GetProcessorStatistics();
        var vectors = k.Interrupts.Select(i => new VectorSnapshot(i.Vector, i.Name, i.Count)).ToArray();
        var cpus = stats.Select(s => new CpuSnapshot(
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
        // Reused merge targets (Take runs under _lock; Stage copies the counts out).
        var stages = Enum.GetValues<LatencyStage>().Select(st =>
        {
            var target = _mergeTargets[(int)st];
            k.MergeStageInto(st, target);
            return Stage(st, target);
        }).ToArray();
        var g = k.Guarantees;
        return new KernelSnapshot
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
            InterruptsTotal = vectors.Sum(v => v.Count),
            Vectors = vectors,
            Cpus = cpus,
            LostEdges = gpio.Lost,
            MergedEdges = gpio.Merged,
            TimerExpiriesMerged = session.TimerOverruns,
            WatchdogViolations = k.WatchdogViolations,
            DpcExceptions = stats.Sum(s => s.Exceptions),
            ClockTicks = k.ClockTicks,
            Guarantees = new GuaranteesSnapshot(g.Realtime, g.Pinned, g.MemoryLocked, g.Notes),
            Timeline = Timeline(k),
            AbsoluteMaxUs = stages.First(s => s.Stage == StageReport.NameOf(LatencyStage.EdgeToDpcStart)).MaxUs,
            Stages = stages,
        };
    }

    private static TimelineSnapshot Timeline(DpcKernel k)
    {
        var recorders = k.Processors.SelectMany(c => new[] { k.GetRecorder(c), k.GetRecorder(c, threaded: true) }).ToArray();
        var length = recorders.Length == 0 ? 0 : recorders.Max(r => r.TimelineLength);
        var first = Math.Max(0, length - TimelineSeconds);
        var max = new double[length - first];
        for (var s = first; s < length; s++)
        {
            max[s - first] = recorders.Max(r => r.MaxInSecond(s)) / 1000.0;
        }

        return new TimelineSnapshot(first, max);
    }

    private static StageSnapshot Stage(LatencyStage stage, LatencyHistogram h)
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

        var buckets = new BucketSnapshot[counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            buckets[i] = new BucketSnapshot(i < BucketBoundsUs.Length ? BucketBoundsUs[i] : double.PositiveInfinity, counts[i]);
        }

        // Count comes from the buckets so that +Inf always equals _count, even while recording goes on.
        return new StageSnapshot(
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
