using DpcPi.Kernel.Measurement;
using DpcPi.TestSupport;

namespace DpcPi.Kernel.Tests;

public sealed class LatencyHistogramTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(4242)]
    public void GetValueAtPercentile_RandomData_MatchesSortWithinPrecision(int seed)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, 50_000).Select(_ => (long)Math.Exp(random.NextDouble() * 20)).ToArray(); // 1 ns .. ~485 ms, log-spread
        var h = new LatencyHistogram();
        foreach (var v in values)
        {
            h.Record(v);
        }

        Array.Sort(values);
        foreach (var p in new[] { 0.0, 1, 10, 50, 90, 99, 99.9, 99.99, 100 })
        {
            var rank = Math.Max(1, (long)Math.Ceiling(p / 100 * values.Length));
            var exact = values[rank - 1];
            var got = h.GetValueAtPercentile(p);
            var tolerance = Math.Max(1, exact / 1000.0); // 3 significant digits
            Assert.InRange(got, exact - tolerance, exact + tolerance);
        }

        Assert.Equal(values[0], h.Min);
        Assert.Equal(values[^1], h.Max);
        Assert.Equal(values.Average(v => (double)v), h.Mean, 6);
    }

    [Fact]
    public void Add_TwoHistograms_EqualsRecordingAllIntoOne()
    {
        var random = new Random(7);
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        var all = new LatencyHistogram();
        for (var i = 0; i < 10_000; i++)
        {
            var v = random.NextInt64(1, 10_000_000);
            (i % 3 == 0 ? a : b).Record(v);
            all.Record(v);
        }

        var merged = new LatencyHistogram();
        merged.Add(a);
        merged.Add(b);

        Assert.Equal(all.TotalCount, merged.TotalCount);
        Assert.Equal(all.Min, merged.Min);
        Assert.Equal(all.Max, merged.Max);
        foreach (var p in new[] { 50.0, 99, 99.9 })
        {
            Assert.Equal(all.GetValueAtPercentile(p), merged.GetValueAtPercentile(p));
        }
    }

    [Fact]
    public void Record_EdgesOfRange_ClampedAndCounted()
    {
        var h = new LatencyHistogram();

        h.Record(-5);
        h.Record(0);
        h.Record(1);
        h.Record(LatencyHistogram.HighestTrackableValue);
        h.Record(LatencyHistogram.HighestTrackableValue * 2);

        Assert.Equal(5, h.TotalCount);
        Assert.Equal(0, h.Min);
        Assert.Equal(LatencyHistogram.HighestTrackableValue * 2, h.Max);
        Assert.Equal(1, h.OverflowCount);
        Assert.Equal(0, h.GetValueAtPercentile(20));
        Assert.Equal(0, h.GetValueAtPercentile(40));
        Assert.Equal(1, h.GetValueAtPercentile(60));
    }

    [Fact]
    public void Record_SmallValues_AreExact()
    {
        for (long v = 0; v < 2048; v++)
        {
            Assert.Equal(v, LatencyHistogram.LowestEquivalentValue(v));
            Assert.Equal(v, LatencyHistogram.HighestEquivalentValue(v));
        }
    }

    [Fact]
    public void RecordConcurrent_ManyThreads_CountsEveryValue()
    {
        var h = new LatencyHistogram();
        Parallel.For(0, 4, _ =>
        {
            for (var i = 1; i <= 25_000; i++)
            {
                h.RecordConcurrent(i);
            }
        });

        Assert.Equal(100_000, h.TotalCount);
        Assert.Equal(1, h.Min);
        Assert.Equal(25_000, h.Max);
    }

    [Fact]
    public void Record_SteadyState_AllocatesNothing()
    {
        var h = new LatencyHistogram();
        static void RecordMany(LatencyHistogram h, int n)
        {
            for (var i = 0; i < n; i++)
            {
                h.Record(i * 37L);
            }
        }

        RecordMany(h, 10_000);
        var rounds = AllocationRounds.Measure(() => RecordMany(h, 10_000));

        Assert.True(rounds.Steady, $"bytes allocated per round of 10,000 records: {rounds}");
    }
}

public sealed class LatencyHistogramPrecisionTests
{
    [Fact]
    public void GetValueAtPercentile_TwoDigits_WithinOnePercentOfSort()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 20_000).Select(_ => (long)Math.Exp(random.NextDouble() * 18)).ToArray();
        var h = new LatencyHistogram(significantDigits: 2);
        foreach (var v in values)
        {
            h.Record(v);
        }

        Array.Sort(values);
        foreach (var p in new[] { 50.0, 90, 99, 99.9 })
        {
            var exact = values[Math.Max(1, (long)Math.Ceiling(p / 100 * values.Length)) - 1];
            Assert.InRange(h.GetValueAtPercentile(p), exact - Math.Max(1, exact / 100.0), exact + Math.Max(1, exact / 100.0));
        }
    }

    [Fact]
    public void Add_TwoDigitIntoThreeDigit_KeepsCountsAndExtremes()
    {
        var coarse = new LatencyHistogram(2);
        var fine = new LatencyHistogram(3);
        for (var v = 1L; v < 5_000_000; v = (v * 3) + 1)
        {
            coarse.Record(v);
        }

        fine.Add(coarse);

        Assert.Equal(coarse.TotalCount, fine.TotalCount);
        Assert.Equal(coarse.Min, fine.Min);
        Assert.Equal(coarse.Max, fine.Max);
        Assert.Equal(coarse.GetValueAtPercentile(50), fine.GetValueAtPercentile(50), (double)coarse.GetValueAtPercentile(50) / 100);
    }

    [Fact]
    public void Constructor_TwoDigits_UsesAboutAnEighthOfTheMemory()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        _ = new LatencyHistogram(3);
        var three = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        _ = new LatencyHistogram(2);
        var two = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.InRange(three, 200_000, 240_000);
        Assert.InRange(two, 25_000, 40_000);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LatencyHistogram(4));
    }
}
