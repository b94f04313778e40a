namespace DpcPi.Reporting;

/// <summary>
/// What a report needs that the kernel does not know: where the interrupts came from, the deadline
/// the verdict is judged against, the cyclictest-style histogram limit, loss counted by the source
/// (lost and merged edges), how long the run lasted and free-form run information.
/// </summary>
public sealed record ReportContext
{
    /// <summary>The interrupt source ("timer", "gpio", "fake", ...).</summary>
    public string Source { get; init; } = "unknown";

    /// <summary>The deadline the verdict is judged against (ns). Default 100 µs.</summary>
    public long DeadlineNs { get; init; } = 100_000;

    /// <summary>cyclictest -h: the 1 µs-bucket histogram limit in µs; 0 for no histogram.</summary>
    public int HistogramLimitUs { get; init; }

    /// <summary>Edges the source knows it lost (kernel buffer overflow, sequence gaps).</summary>
    public long LostEdges { get; init; }

    /// <summary>Events merged into one interrupt by the source (GPIO edges in a row, timer expiries of a late interrupt, debounce, batching).</summary>
    public long MergedEdges { get; init; }

    /// <summary>How long the run lasted; null means from kernel creation until the report is built.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>
    /// The share of the measured CPUs' time the hypervisor gave to others during the run (/proc/stat steal, %);
    /// null where unknown. 0 on bare metal such as a Raspberry Pi.
    /// </summary>
    public double? StealPercent { get; init; }

    /// <summary>Whether /dev/cpu_dma_latency was held at 0 during the run; null where not asked or unknown.</summary>
    public DpcPi.Platform.CpuDmaLatencyStatus? CpuDmaLatency { get; init; }

    /// <summary>
    /// Fewer edge→DPC-start samples give "inconclusive" instead of a verdict. 1000 is the fewest for which p99.9 is
    /// a measured sample rather than the maximum; cyclictest's users run for minutes.
    /// </summary>
    public long MinimumSamples { get; init; } = DefaultMinimumSamples;

    /// <summary>A shorter measured run gives "inconclusive" instead of a verdict (1 s: at least one full per-second maximum).</summary>
    public TimeSpan MinimumDuration { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The default of <see cref="MinimumSamples"/>.</summary>
    public const long DefaultMinimumSamples = 1000;

    /// <summary>Free-form key/values printed and written with the report (command line, board, kernel version, ...).</summary>
    public IReadOnlyDictionary<string, string> RunInfo { get; init; } = new Dictionary<string, string>();
}
