namespace DpcPi.Kernel.Measurement;

/// <summary>
/// One thread's latency record: a histogram per <see cref="LatencyStage"/>, the maximum
/// edge→DPC-start latency of every second since the kernel started (the DPC Latency Checker
/// timeline), and the first outliers above a threshold with their cycle numbers (cyclictest's
/// overflow list). Written by exactly one thread (the ISR thread, or one core's DPC worker), so
/// recording needs no lock and allocates nothing.
/// </summary>
public sealed class LatencyRecorder
{
    private readonly LatencyHistogram[] _stages;
    private readonly long[] _perSecondMax;
    private readonly long[] _outlierCycles;
    private readonly long[] _outlierValues;
    private long _epochNs;
    private long _lastSecond = -1;
    private int _outlierCount;
    private long _outlierTotal;
    private readonly long[] _first = new long[FirstCount];
    private int _firstCount;

    /// <summary>How many of the first edge→DPC-start values are kept in order (the cold start a warm-up should remove).</summary>
    public const int FirstCount = 10;

    public LatencyRecorder(long epochNs, int timelineSeconds = 86_400, int maxOutliers = 1024)
    {
        _epochNs = epochNs;
        _stages = new LatencyHistogram[Enum.GetValues<LatencyStage>().Length];
        for (var i = 0; i < _stages.Length; i++)
        {
            _stages[i] = new LatencyHistogram();
        }

        _perSecondMax = new long[Math.Max(1, timelineSeconds)];
        _outlierCycles = new long[maxOutliers];
        _outlierValues = new long[maxOutliers];
    }

    /// <summary>Edge→DPC-start values at or above this are listed as outliers (cyclictest's histogram overflow). Default 1 ms.</summary>
    public long OutlierThresholdNs { get; set; } = 1_000_000;

    public LatencyHistogram this[LatencyStage stage] => _stages[(int)stage];

    /// <summary>Moves the timeline's origin (before any value is recorded: the kernel's start).</summary>
    internal void Rebase(long epochNs) => _epochNs = epochNs;

    /// <summary>The first (up to <see cref="FirstCount"/>) edge→DPC-start values this recorder took, in order.</summary>
    public long[] FirstEdgeToDpcStart() => _first[..Volatile.Read(ref _firstCount)];

    /// <summary>How many values reached <see cref="OutlierThresholdNs"/> (including those beyond the stored list).</summary>
    public long OutlierCount => Volatile.Read(ref _outlierTotal);

    /// <summary>The seconds (since the kernel started) for which the timeline holds a value.</summary>
    public int TimelineLength => (int)Math.Min(_perSecondMax.Length, Volatile.Read(ref _lastSecond) + 1);

    public void Record(LatencyStage stage, long valueNs) => _stages[(int)stage].Record(valueNs);

    /// <summary>Records the headline latency: into its histogram, the per-second timeline, and the outlier list.</summary>
    public void RecordEdgeToDpcStart(long eventTimestampNs, long startNs, long cycle)
    {
        var latency = startNs - eventTimestampNs;
        _stages[(int)LatencyStage.EdgeToDpcStart].Record(latency);
        var second = (startNs - _epochNs) / 1_000_000_000;
        if (second >= 0 && second < _perSecondMax.Length)
        {
            if (latency > _perSecondMax[second])
            {
                _perSecondMax[second] = latency;
            }

            if (second > _lastSecond)
            {
                Volatile.Write(ref _lastSecond, second);
            }
        }

        if (_firstCount < _first.Length)
        {
            _first[_firstCount] = latency;
            Volatile.Write(ref _firstCount, _firstCount + 1);
        }

        if (latency >= OutlierThresholdNs)
        {
            if (_outlierCount < _outlierCycles.Length)
            {
                _outlierCycles[_outlierCount] = cycle;
                _outlierValues[_outlierCount] = latency;
                Volatile.Write(ref _outlierCount, _outlierCount + 1);
            }

            Volatile.Write(ref _outlierTotal, _outlierTotal + 1);
        }
    }

    /// <summary>The maximum headline latency of second <paramref name="second"/> (0 when nothing ran in it).</summary>
    public long MaxInSecond(int second) => second >= 0 && second < _perSecondMax.Length ? Volatile.Read(ref _perSecondMax[second]) : 0;

    /// <summary>The stored outliers as (cycle, latency ns), in the order they happened.</summary>
    public IReadOnlyList<(long Cycle, long LatencyNs)> Outliers()
    {
        var n = Volatile.Read(ref _outlierCount);
        var list = new List<(long, long)>(n);
        for (var i = 0; i < n; i++)
        {
            list.Add((_outlierCycles[i], _outlierValues[i]));
        }

        return list;
    }
}
