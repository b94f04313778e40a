using DpcPi.Kernel.Measurement;

namespace DpcPi.Reporting;

/// <summary>The summary of one latency histogram (all values in ns, at the histogram's 3-digit resolution).</summary>
public sealed record StageStatistics(long Count, long MinNs, double AvgNs, long P50Ns, long P90Ns, long P99Ns, long P999Ns, long MaxNs)
{
    public static StageStatistics Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);

    public static StageStatistics From(LatencyHistogram histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram.TotalCount == 0)
        {
            return Empty;
        }

        return new StageStatistics(
            histogram.TotalCount,
            histogram.Min,
            histogram.Mean,
            histogram.GetValueAtPercentile(50),
            histogram.GetValueAtPercentile(90),
            histogram.GetValueAtPercentile(99),
            histogram.GetValueAtPercentile(99.9),
            histogram.Max);
    }
}
