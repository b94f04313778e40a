using DpcPi.Bench;

namespace DpcPi.Bench.Tests;

public sealed class CyclictestParserTests
{
    private static string Sample(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "samples", name));

    [Fact]
    public void ParseSummary_QuietOutputOfTwoThreads_ReadsEveryField()
    {
        var threads = CyclictestParser.ParseSummary(Sample("cyclictest-2.40-quiet-2threads.txt"));

        Assert.Equal(2, threads.Count);
        var t0 = threads[0];
        Assert.Equal((0, 19119, 80, 200, 300L, 5L, 8L, 11.0, 168L), (t0.Index, t0.Tid!.Value, t0.Priority!.Value, t0.IntervalUs!.Value, t0.Cycles, t0.MinUs, t0.ActUs!.Value, t0.AvgUs, t0.MaxUs));
        var t1 = threads[1];
        Assert.Equal((1, 700, 112L, 8L, 90L), (t1.Index, t1.IntervalUs!.Value, t1.Cycles, t1.MinUs, t1.MaxUs));
        Assert.False(t0.HasHistogram);
        Assert.Null(t0.P99Us);
    }

    [Fact]
    public void ParseSummary_LineWithoutDmaLatencyHeader_IsRead()
    {
        var t = Assert.Single(CyclictestParser.ParseSummary("T: 0 (19094) P:80 I:200 C:    300 Min:      4 Act:    6 Avg:    6 Max:      10\n"));

        Assert.Equal((300L, 4L, 6.0, 10L), (t.Cycles, t.MinUs, t.AvgUs, t.MaxUs));
    }

    [Fact]
    public void ParseHistogram_OneThread_BucketsTrailerAndP99()
    {
        var t = Assert.Single(CyclictestParser.ParseHistogram(Sample("cyclictest-2.40-histogram.txt")));

        Assert.Equal(400, t.Histogram.Count);
        Assert.Equal(218, t.Histogram[5]);
        Assert.Equal(500, t.Histogram.Sum());
        Assert.Equal((500L, 4L, 5.0, 12L, 0L), (t.Cycles, t.MinUs, t.AvgUs, t.MaxUs, t.Overflows));
        // 25 + 218 = 243 < 250 <= 437: p50 is 6 µs; 495 = 99% of 500 is reached at 9 µs (25+218+194+49+7+4 = 497); 99.9% needs all 500, the 12 µs bucket.
        Assert.Equal(6, t.P50Us);
        Assert.Equal(9, t.P99Us);
        Assert.Equal(12, t.P999Us);
    }

    [Fact]
    public void ParseHistogram_TwoThreads_SplitsColumns()
    {
        var threads = CyclictestParser.ParseHistogram(Sample("cyclictest-2.40-histogram-2threads.txt"));

        Assert.Equal(2, threads.Count);
        Assert.Equal([300L, 300L], threads.Select(t => t.Histogram.Sum()));
        Assert.Equal((5L, 21L), (threads[0].MinUs, threads[0].MaxUs));
        Assert.Equal((4L, 19L), (threads[1].MinUs, threads[1].MaxUs));
        Assert.Equal(96, threads[1].Histogram[6]);
    }

    [Fact]
    public void ParseHistogram_OverflowsWithCycleNumbers_AreKeptAndCountTowardsPercentiles()
    {
        const string text = "# Histogram\n000000 000000\n000001 000090\n000002 000005\n# Total: 000000100\n# Min Latencies: 00001\n# Avg Latencies: 00003\n# Max Latencies: 00250\n# Histogram Overflows: 00005\n# Histogram Overflow at cycle number:\n# Thread 0: 00012 00040 00077 00078 00099\n";

        var t = Assert.Single(CyclictestParser.ParseHistogram(text));

        Assert.Equal(5, t.Overflows);
        Assert.Equal([12L, 40, 77, 78, 99], t.OverflowCycles);
        Assert.Equal(1, t.P50Us);
        Assert.Equal(2, t.Percentile(95));
        Assert.Null(t.P99Us);
    }

    [Fact]
    public void ParseJson_Rt240File_ReadsHistogramAndFigures()
    {
        var t = Assert.Single(CyclictestParser.ParseJson(Sample("cyclictest-2.40.json")));

        Assert.Equal((500L, 4L, 5.64, 12L, 0L), (t.Cycles, t.MinUs, t.AvgUs, t.MaxUs, t.Overflows));
        Assert.Equal(13, t.Histogram.Count);
        Assert.Equal(9, t.P99Us);
    }

    [Fact]
    public void FormatRatio_BothFigures_PrintsRatio()
    {
        Assert.Equal("our p99 / cyclictest p99 = 12 µs / 8 µs = 1.50x", CyclictestComparison.FormatRatio("p99", 12, 8));
    }

    [Fact]
    public void FormatRatio_NoCyclictestFigure_SaysUnavailable()
    {
        Assert.Contains("n/a (cyclictest figure unavailable)", CyclictestComparison.FormatRatio("p99", 12, null), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MissingExecutable_ReportsUnavailableWithInstallHint()
    {
        var r = CyclictestComparison.Run(80, 200, 10, executable: "/nonexistent/cyclictest");

        Assert.False(r.Available);
        Assert.False(r.Succeeded);
        Assert.Contains("apt-get install rt-tests", r.Error, StringComparison.Ordinal);
        Assert.StartsWith("cyclictest comparison unavailable", CyclictestComparison.FormatP99(10, r), StringComparison.Ordinal);
    }
}

public sealed class CyclictestRunTests
{
    [Fact]
    public void Run_InstalledCyclictest_ParsesItsJsonOrSaysUnavailable()
    {
        var r = CyclictestComparison.Run(priority: 80, intervalUs: 200, loops: 200, histogramLimitUs: 2_000);

        if (!r.Available)
        {
            Assert.Contains("rt-tests", r.Error, StringComparison.Ordinal);
            return;
        }

        Assert.True(r.Succeeded, r.Error);
        var t = Assert.Single(r.Threads);
        Assert.Equal(200, t.Cycles);
        Assert.Equal(200, t.Histogram.Sum() + t.Overflows);
        // The p99 is known only while it lies inside the histogram: with more than 1% of the cycles beyond
        // its limit (a host that stalls for milliseconds), it is null rather than a made-up value.
        var target = (long)Math.Ceiling(0.99 * 200);
        Assert.Equal(t.Histogram.Sum() < target, r.P99Us is null);
        if (r.P99Us is { } p99)
        {
            Assert.InRange(p99, t.MinUs, t.MaxUs);
        }
    }
}
