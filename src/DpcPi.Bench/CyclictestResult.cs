namespace DpcPi.Bench;

/// <summary>The outcome of running cyclictest: its threads' figures, or why it could not run.</summary>
public sealed record CyclictestResult
{
    public required bool Available { get; init; }

    /// <summary>Why cyclictest did not run or failed ("not installed: apt-get install rt-tests", exit code, ...).</summary>
    public string? Error { get; init; }

    public string? Version { get; init; }

    public string? CommandLine { get; init; }

    public IReadOnlyList<CyclictestThread> Threads { get; init; } = [];

    public bool Succeeded => Available && Error is null && Threads.Count > 0;

    /// <summary>p99 over every thread's merged histogram (µs), or null.</summary>
    public long? P99Us => Merged()?.P99Us;

    public long? MaxUs => Threads.Count == 0 ? null : Threads.Max(t => t.MaxUs);

    /// <summary>All threads' histograms added together, as one thread (null without histograms).</summary>
    public CyclictestThread? Merged()
    {
        if (Threads.Count == 0 || !Threads.All(t => t.HasHistogram))
        {
            return null;
        }

        var length = Threads.Max(t => t.Histogram.Count);
        var buckets = new long[length];
        foreach (var t in Threads)
        {
            for (var i = 0; i < t.Histogram.Count; i++)
            {
                buckets[i] += t.Histogram[i];
            }
        }

        var cycles = Threads.Sum(t => t.Cycles);
        return new CyclictestThread
        {
            Index = -1,
            Cycles = cycles,
            MinUs = Threads.Min(t => t.MinUs),
            MaxUs = Threads.Max(t => t.MaxUs),
            AvgUs = cycles == 0 ? 0 : Threads.Sum(t => t.AvgUs * t.Cycles) / cycles,
            Histogram = buckets,
            Overflows = Threads.Sum(t => t.Overflows),
            OverflowCycles = Threads.SelectMany(t => t.OverflowCycles).ToArray(),
        };
    }
}
