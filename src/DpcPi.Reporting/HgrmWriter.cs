using System.Globalization;
using DpcPi.Kernel.Measurement;

namespace DpcPi.Reporting;

/// <summary>
/// Writes a histogram as HdrHistogram's percentile-distribution text (.hgrm), the layout of
/// <c>outputPercentileDistribution</c>, so HdrHistogram's plotFiles.html and hdr-plot read it.
/// </summary>
public static class HgrmWriter
{
    /// <summary>Writes <paramref name="histogram"/> (ns) with values divided by <paramref name="valueScalingRatio"/> (1000 = µs).</summary>
    public static void Write(TextWriter writer, LatencyHistogram histogram, double valueScalingRatio = 1000.0, int ticksPerHalfDistance = 5)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(histogram);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(valueScalingRatio);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ticksPerHalfDistance);
        const int decimals = 3;
        var inv = CultureInfo.InvariantCulture;
        writer.Write(string.Format(inv, "{0,12} {1,14} {2,10} {3,14}\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)"));
        foreach (var row in PercentileDistribution.Rows(histogram, ticksPerHalfDistance))
        {
            var value = (row.ValueNs / valueScalingRatio).ToString("F" + decimals, inv).PadLeft(12);
            var p = (row.Percentile / 100.0).ToString("F12", inv);
            var count = row.TotalCount.ToString(inv).PadLeft(10);
            if (row.Percentile < 100.0)
            {
                var inverse = (1.0 / (1.0 - (row.Percentile / 100.0))).ToString("F2", inv).PadLeft(14);
                writer.Write($"{value} {p} {count} {inverse}\n");
            }
            else
            {
                writer.Write($"{value} {p} {count}\n");
            }
        }

        var total = histogram.TotalCount;
        var max = total == 0 ? 0 : LatencyHistogram.HighestEquivalentValue(histogram.Max);
        string F(double v) => v.ToString("F" + decimals, inv).PadLeft(12);
        writer.Write($"#[Mean    = {F(histogram.Mean / valueScalingRatio)}, StdDeviation   = {F(PercentileDistribution.StdDeviation(histogram) / valueScalingRatio)}]\n");
        writer.Write($"#[Max     = {F(max / valueScalingRatio)}, Total count    = {total.ToString(inv).PadLeft(12)}]\n");
        writer.Write($"#[Buckets = {PercentileDistribution.BucketCount.ToString(inv).PadLeft(12)}, SubBuckets     = {PercentileDistribution.SubBucketCount.ToString(inv).PadLeft(12)}]\n");
    }

    /// <summary>The .hgrm text as a string.</summary>
    public static string ToText(LatencyHistogram histogram, double valueScalingRatio = 1000.0)
    {
        using var sw = new StringWriter(CultureInfo.InvariantCulture);
        Write(sw, histogram, valueScalingRatio);
        return sw.ToString();
    }
}
