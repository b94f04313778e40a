using System.Globalization;
using DpcPi.Kernel.Measurement;
using HdrHistogram;

namespace DpcPi.Reporting.Tests;

/// <summary>
/// DpcPi keeps its own per-core, allocation-free histogram, but its .hgrm must read as HdrHistogram's. The same
/// values go into HdrHistogram 2.5.0's LongHistogram (the package has no .hgrm parser, so both texts are parsed
/// here): its own percentile distribution must agree with DpcPi's file row for row (same percentile ladder and
/// counts, values within one bucket of 3 significant digits), and its percentiles with DpcPi's.
/// </summary>
public sealed class HdrHistogramCrossCheckTests
{
    private const double Scaling = 1000.0; // the files are in µs, the values ns

    [Theory]
    [InlineData(1, 100_000)]
    [InlineData(7, 3_000)]
    public void Hgrm_SameValuesInHdrHistogram_PercentilesAgreeWithinABucket(int seed, int count)
    {
        var ours = new LatencyHistogram();
        var theirs = new LongHistogram(1, LatencyHistogram.HighestTrackableValue, 3);
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            // Log-uniform from 1 µs to 10 ms, with a tail: the shape of an edge→DPC latency run.
            var value = (long)Math.Exp(random.NextDouble() * Math.Log(10_000)) * 1_000 + random.Next(1_000);
            ours.Record(value);
            theirs.RecordValue(value);
        }

        var ourRows = Parse(HgrmWriter.ToText(ours, Scaling));
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        theirs.OutputPercentileDistribution(writer, outputValueUnitScalingRatio: Scaling);
        var theirRows = Parse(writer.ToString());

        Assert.True(ourRows.Count > 20, $"{ourRows.Count} rows");
        // Row for row against HdrHistogram's own file: the same percentile ladder and counts, values within a bucket.
        Assert.Equal(theirRows.Count, ourRows.Count);
        for (var i = 0; i < ourRows.Count; i++)
        {
            Assert.Equal(theirRows[i].Percentile, ourRows[i].Percentile, 9);
            Assert.Equal(theirRows[i].TotalCount, ourRows[i].TotalCount);
            var bucketNs = theirs.SizeOfEquivalentValueRange((long)(theirRows[i].Value * Scaling));
            Assert.True(Math.Abs(theirRows[i].Value - ourRows[i].Value) * Scaling <= bucketNs + 1, $"row {i}: ours {ourRows[i].Value}, HdrHistogram {theirRows[i].Value}");
        }

        // The percentiles the JSON and terminal reports print, against HdrHistogram's, within the bucket that holds them.
        // DpcPi rounds the rank up (ceil(p x total)), HdrHistogram to the nearest, so in a sparse tail DpcPi's value may be
        // the next recorded one: it must lie between HdrHistogram's values at that rank and the next.
        foreach (var p in new[] { 50.0, 90.0, 99.0, 99.9, 99.99, 100.0 })
        {
            var low = theirs.GetValueAtPercentile(p);
            var high = theirs.GetValueAtPercentile(Math.Min(100.0, p + (100.0 / count)));
            var value = ours.GetValueAtPercentile(p);
            Assert.True(value >= low - theirs.SizeOfEquivalentValueRange(low) && value <= high + theirs.SizeOfEquivalentValueRange(high), $"p{p}: ours {value} ns, HdrHistogram {low}..{high} ns");
        }

        Assert.Equal(theirs.TotalCount, ours.TotalCount);
    }

    private sealed record Row(double Value, double Percentile, long TotalCount);

    /// <summary>The value, percentile and total-count columns of a percentile-distribution text (header and footer skipped).</summary>
    private static List<Row> Parse(string hgrm)
    {
        var rows = new List<Row>();
        foreach (var line in hgrm.Split('\n'))
        {
            var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length >= 3 && double.TryParse(cols[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                && double.TryParse(cols[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var percentile)
                && long.TryParse(cols[2], NumberStyles.None, CultureInfo.InvariantCulture, out var total))
            {
                rows.Add(new Row(value, percentile, total));
            }
        }

        return rows;
    }
}
