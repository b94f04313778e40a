using DpcPi.Kernel.Measurement;
using DpcPi.Platform;

namespace DpcPi.Bench;

/// <summary>The rounds of <see cref="BenchRunner"/>: one round's share and figures, and a contender's rounds pooled.</summary>
public static partial class BenchRunner
{
    /// <summary>How much of the run one round of one contender gets.</summary>
    private readonly record struct RoundShare(int WarmupEvents, TimeSpan TierUpPause, int LatencyEvents, TimeSpan ThroughputDuration);

    /// <summary>One round of one contender: its latency histogram and the counts that pool into its result.</summary>
    private sealed record RoundFigures(
        LatencyHistogram Histogram,
        LatencyHistogram? QueueWait,
        long LatencyLost,
        long ThroughputProduced,
        long ThroughputHandled,
        double ThroughputSeconds,
        long AllocatedBytes,
        long MeasuredEvents,
        IReadOnlyList<string> Notes)
    {
        /// <summary>CPU time of the producer's and consumer's CPUs over the round, and the hypervisor's steal of it (null: unknown).</summary>
        public CpuTimes? Cpu { get; init; }

        public double ThroughputPerSecond => ThroughputHandled / Math.Max(1e-9, ThroughputSeconds);
    }

    /// <summary>A contender's rounds, pooled: histograms merged, counts and times summed, notes kept once.</summary>
    private sealed class Pool
    {
        private readonly LatencyHistogram _histogram = new();
        private LatencyHistogram? _queueWait;
        private readonly List<long> _roundP50 = [];
        private readonly List<string> _notes = [];
        private long _lost;
        private long _produced;
        private long _handled;
        private double _seconds;
        private long _bytes;
        private long _events;
        private CpuTimes? _cpu = new CpuTimes(0, 0);

        public void Add(RoundFigures f)
        {
            _histogram.Add(f.Histogram);
            if (f.QueueWait is not null)
            {
                (_queueWait ??= new LatencyHistogram()).Add(f.QueueWait);
            }

            _roundP50.Add(f.Histogram.GetValueAtPercentile(50));
            _lost += f.LatencyLost;
            _produced += f.ThroughputProduced;
            _handled += f.ThroughputHandled;
            _seconds += f.ThroughputSeconds;
            _bytes += f.AllocatedBytes;
            _events += f.MeasuredEvents;
            _cpu = _cpu + f.Cpu; // unknown once any round is
            foreach (var n in f.Notes.Where(n => !_notes.Contains(n)))
            {
                _notes.Add(n);
            }
        }

        public ContenderResult ToResult(string name) => new()
        {
            Name = name,
            Count = _histogram.TotalCount,
            MinNs = _histogram.Min,
            AvgNs = _histogram.Mean,
            P50Ns = _histogram.GetValueAtPercentile(50),
            P90Ns = _histogram.GetValueAtPercentile(90),
            P99Ns = _histogram.GetValueAtPercentile(99),
            P999Ns = _histogram.GetValueAtPercentile(99.9),
            MaxNs = _histogram.Max,
            Lost = _lost,
            ThroughputProduced = _produced,
            ThroughputHandled = _handled,
            ThroughputPerSecond = _handled / Math.Max(1e-9, _seconds),
            BytesPerInterrupt = _events == 0 ? 0 : _bytes / (double)_events,
            RoundP50Ns = [.. _roundP50],
            QueueWaitP50Ns = _queueWait?.GetValueAtPercentile(50),
            QueueWaitP99Ns = _queueWait?.GetValueAtPercentile(99),
            QueueWaitCount = _queueWait?.TotalCount,
            StealPercent = _cpu?.StealPercent,
            Notes = [.. _notes],
        };
    }
}
