namespace DpcPi.Bench;

/// <summary>
/// One cyclictest measurement thread: the summary figures (µs) and, when a histogram was taken
/// (-h), the 1 µs buckets, overflow count and the percentiles computed from them.
/// </summary>
public sealed record CyclictestThread
{
    public required int Index { get; init; }

    public int? Tid { get; init; }

    public int? Priority { get; init; }

    public int? IntervalUs { get; init; }

    public required long Cycles { get; init; }

    public required long MinUs { get; init; }

    /// <summary>The last latency (-q summary only).</summary>
    public long? ActUs { get; init; }

    public required double AvgUs { get; init; }

    public required long MaxUs { get; init; }

    /// <summary>Count per 1 µs bucket (index = µs); empty without -h.</summary>
    public IReadOnlyList<long> Histogram { get; init; } = [];

    public long Overflows { get; init; }

    public IReadOnlyList<long> OverflowCycles { get; init; } = [];

    public bool HasHistogram => Histogram.Count > 0;

    /// <summary>
    /// The µs bucket where the cumulative count first reaches <paramref name="percentile"/> % of all samples
    /// (overflows included), or null without a histogram or when the percentile falls among the overflows.
    /// </summary>
    public long? Percentile(double percentile)
    {
        var total = Histogram.Sum() + Overflows;
        if (total == 0)
        {
            return null;
        }

        var target = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * total));
        long cumulative = 0;
        for (var us = 0; us < Histogram.Count; us++)
        {
            cumulative += Histogram[us];
            if (cumulative >= target)
            {
                return us;
            }
        }

        return null;
    }

    public long? P50Us => Percentile(50);

    public long? P99Us => Percentile(99);

    public long? P999Us => Percentile(99.9);
}
