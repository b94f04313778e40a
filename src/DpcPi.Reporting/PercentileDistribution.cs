using DpcPi.Kernel.Measurement;

namespace DpcPi.Reporting;

/// <summary>
/// HdrHistogram's percentile iteration: steps that start at 0% and halve their distance to 100% every
/// <c>ticksPerHalfDistance</c> steps, one row per step at the highest value equivalent to the bucket
/// that reaches it, then a final row at 100%.
/// </summary>
internal static class PercentileDistribution
{
    public readonly record struct Row(long ValueNs, double Percentile, long TotalCount);

    public static List<Row> Rows(LatencyHistogram histogram, int ticksPerHalfDistance = 5)
    {
        var rows = new List<Row>();
        var total = histogram.TotalCount;
        if (total == 0)
        {
            return rows;
        }

        var level = 0.0;
        long cumulative = 0;
        long lastHigh = 0;
        foreach (var (_, high, count) in histogram.RecordedBuckets())
        {
            cumulative += count;
            lastHigh = high;
            while (100.0 * cumulative / total >= level)
            {
                rows.Add(new Row(high, level, cumulative));
                var ticks = ticksPerHalfDistance * (long)Math.Pow(2, (long)(Math.Log(100.0 / (100.0 - level)) / Math.Log(2)) + 1);
                level += 100.0 / ticks;
                if (cumulative >= total)
                {
                    break;
                }
            }

            if (cumulative >= total)
            {
                break;
            }
        }

        rows.Add(new Row(lastHigh, 100.0, total));
        return rows;
    }

    /// <summary>The standard deviation over bucket midpoints (as HdrHistogram computes it).</summary>
    public static double StdDeviation(LatencyHistogram histogram)
    {
        var total = histogram.TotalCount;
        if (total == 0)
        {
            return 0;
        }

        var mean = histogram.Mean;
        double sumSq = 0;
        foreach (var (low, high, count) in histogram.RecordedBuckets())
        {
            var mid = low + ((high - low + 1) >> 1);
            var dev = mid - mean;
            sumSq += dev * dev * count;
        }

        return Math.Sqrt(sumSq / total);
    }

    /// <summary>Buckets of a 1 ns..60 s, 3-digit histogram (HdrHistogram's bucketCount).</summary>
    public static int BucketCount
    {
        get
        {
            long smallestUntrackable = SubBucketCount;
            var buckets = 1;
            while (smallestUntrackable <= LatencyHistogram.HighestTrackableValue)
            {
                smallestUntrackable <<= 1;
                buckets++;
            }

            return buckets;
        }
    }

    public const int SubBucketCount = 2048;
}
