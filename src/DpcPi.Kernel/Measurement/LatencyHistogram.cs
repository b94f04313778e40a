using System.Numerics;

namespace DpcPi.Kernel.Measurement;

/// <summary>
/// A log-linear (HDR-style) histogram of nanosecond values from 1 ns to 60 s with 3 significant
/// digits: 2048 linear sub-buckets per power of two, so every recorded value is kept within 0.1%.
/// Recording allocates nothing and takes no lock. <see cref="Record"/> is for a single writer
/// (one thread per histogram, the per-core case); <see cref="RecordConcurrent"/> is for histograms
/// fed from several threads (per vector, per DPC routine). Readers see a slightly stale but
/// consistent-enough view; reports take a <see cref="Snapshot"/>.
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>The highest value tracked exactly (60 s); larger values are counted in the top bucket and as overflow.</summary>
    public const long HighestTrackableValue = 60_000_000_000L;

    private static readonly Layout s_default = new(3);
    private readonly Layout _layout;
    private readonly long[] _counts;
    private long _totalCount;
    private long _sum;
    private long _min = long.MaxValue;
    private long _max;
    private long _overflowCount;

    /// <summary>A histogram keeping <paramref name="significantDigits"/> digits (2 or 3): 3 digits take ~220 KB, 2 digits ~30 KB.</summary>
    public LatencyHistogram(int significantDigits = 3)
    {
        if (significantDigits is not (2 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(significantDigits), significantDigits, "A latency histogram keeps 2 or 3 significant digits.");
        }

        _layout = significantDigits == 3 ? s_default : new Layout(significantDigits);
        _counts = new long[_layout.CountsLength];
    }

    public int SignificantDigits => _layout.Digits;

    public long TotalCount => Volatile.Read(ref _totalCount);

    public long Min => TotalCount == 0 ? 0 : Volatile.Read(ref _min);

    public long Max => Volatile.Read(ref _max);

    public double Mean => TotalCount == 0 ? 0 : (double)Volatile.Read(ref _sum) / TotalCount;

    public long Sum => Volatile.Read(ref _sum);

    /// <summary>Values above <see cref="HighestTrackableValue"/> (kept in the top bucket; <see cref="Max"/> stays exact).</summary>
    public long OverflowCount => Volatile.Read(ref _overflowCount);

    /// <summary>Records one value from the histogram's single writer thread. Negative values count as 0.</summary>
    public void Record(long value)
    {
        if (value < 0)
        {
            value = 0;
        }

        var index = CountsIndexClamped(value);
        _counts[index]++;
        _sum += value;
        if (value < _min)
        {
            _min = value;
        }

        if (value > _max)
        {
            _max = value;
        }

        Volatile.Write(ref _totalCount, _totalCount + 1);
    }

    /// <summary>Records one value; safe from any number of threads (interlocked, still allocation-free).</summary>
    public void RecordConcurrent(long value)
    {
        if (value < 0)
        {
            value = 0;
        }

        Interlocked.Increment(ref _counts[CountsIndexClamped(value)]);
        Interlocked.Add(ref _sum, value);
        var min = Volatile.Read(ref _min);
        while (value < min)
        {
            var seen = Interlocked.CompareExchange(ref _min, value, min);
            if (seen == min)
            {
                break;
            }

            min = seen;
        }

        var max = Volatile.Read(ref _max);
        while (value > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }

        Interlocked.Increment(ref _totalCount);
    }

    /// <summary>Adds every count of <paramref name="other"/> into this histogram (used to merge per-core histograms for reports).</summary>
    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.TotalCount == 0)
        {
            return;
        }

        if (other._layout.Digits == _layout.Digits)
        {
            for (var i = 0; i < _counts.Length; i++)
            {
                _counts[i] += Volatile.Read(ref other._counts[i]);
            }
        }
        else
        {
            foreach (var (low, _, count) in other.RecordedBuckets())
            {
                _counts[_layout.CountsIndex(Math.Min(low, HighestTrackableValue))] += count;
            }
        }

        _totalCount += other.TotalCount;
        _sum += other.Sum;
        _min = Math.Min(_min, Volatile.Read(ref other._min));
        _max = Math.Max(_max, other.Max);
        _overflowCount += other.OverflowCount;
    }

    /// <summary>A copy that no longer changes, for reports.</summary>
    public LatencyHistogram Snapshot()
    {
        var copy = new LatencyHistogram(_layout.Digits);
        copy.Add(this);
        return copy;
    }

    public void Reset()
    {
        Array.Clear(_counts);
        _totalCount = 0;
        _sum = 0;
        _min = long.MaxValue;
        _max = 0;
        _overflowCount = 0;
    }

    /// <summary>
    /// The value at <paramref name="percentile"/> (0..100): the highest value equivalent to the bucket
    /// where the cumulative count first reaches percentile × total, as HdrHistogram reports it; capped at <see cref="Max"/>.
    /// </summary>
    public long GetValueAtPercentile(double percentile)
    {
        var total = TotalCount;
        if (total == 0)
        {
            return 0;
        }

        percentile = Math.Clamp(percentile, 0, 100);
        var countAtPercentile = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * total));
        long cumulative = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            cumulative += Volatile.Read(ref _counts[i]);
            if (cumulative >= countAtPercentile)
            {
                var value = _layout.HighestEquivalentValue(_layout.ValueFromIndex(i));
                return Math.Min(value, Max);
            }
        }

        return Max;
    }

    /// <summary>Count of recorded values in [<paramref name="fromInclusive"/>, <paramref name="toExclusive"/>), at histogram resolution.</summary>
    public long CountBetween(long fromInclusive, long toExclusive)
    {
        long sum = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            var c = Volatile.Read(ref _counts[i]);
            if (c == 0)
            {
                continue;
            }

            var v = _layout.ValueFromIndex(i);
            if (v >= fromInclusive && v < toExclusive)
            {
                sum += c;
            }
        }

        return sum;
    }

    /// <summary>Every non-empty bucket as (lowest equivalent value, highest equivalent value, count), ascending.</summary>
    public IEnumerable<(long Low, long High, long Count)> RecordedBuckets()
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            var c = Volatile.Read(ref _counts[i]);
            if (c != 0)
            {
                var low = _layout.ValueFromIndex(i);
                yield return (low, _layout.HighestEquivalentValue(low), c);
            }
        }
    }

    /// <summary>The smallest value that lands in the same bucket as <paramref name="value"/> (3-digit histograms).</summary>
    public static long LowestEquivalentValue(long value) => s_default.ValueFromIndex(s_default.CountsIndex(value));

    /// <summary>The largest value that lands in the same bucket as <paramref name="value"/> (3-digit histograms).</summary>
    public static long HighestEquivalentValue(long value) => s_default.HighestEquivalentValue(value);

    private int CountsIndexClamped(long value)
    {
        if (value > HighestTrackableValue)
        {
            _ = Interlocked.Increment(ref _overflowCount);
            value = HighestTrackableValue;
        }

        return _layout.CountsIndex(value);
    }

    /// <summary>The log-linear bucket arithmetic for one precision (HdrHistogram's layout, unit 1 ns).</summary>
    private sealed class Layout
    {
        public Layout(int digits)
        {
            Digits = digits;
            var largestSingleUnit = 2 * (long)Math.Pow(10, digits);
            var magnitude = (int)Math.Ceiling(Math.Log2(largestSingleUnit));
            HalfMagnitude = magnitude - 1;
            HalfCount = 1 << HalfMagnitude;
            SubBucketCount = HalfCount * 2;
            Mask = SubBucketCount - 1;
            LeadingZeroBase = 64 - HalfMagnitude - 1;
            long smallestUntrackable = SubBucketCount;
            var buckets = 1;
            while (smallestUntrackable <= HighestTrackableValue)
            {
                smallestUntrackable <<= 1;
                buckets++;
            }

            CountsLength = (buckets + 1) * HalfCount;
        }

        public int Digits { get; }

        public int HalfMagnitude { get; }

        public int HalfCount { get; }

        public int SubBucketCount { get; }

        public long Mask { get; }

        public int LeadingZeroBase { get; }

        public int CountsLength { get; }

        public int BucketIndex(long value) => LeadingZeroBase - BitOperations.LeadingZeroCount((ulong)(value | Mask));

        public int CountsIndex(long value)
        {
            var bucketIndex = BucketIndex(value);
            var subBucketIndex = (int)(value >> bucketIndex);
            return ((bucketIndex + 1) << HalfMagnitude) + (subBucketIndex - HalfCount);
        }

        public long ValueFromIndex(int index)
        {
            var bucketIndex = (index >> HalfMagnitude) - 1;
            var subBucketIndex = (index & (HalfCount - 1)) + HalfCount;
            if (bucketIndex < 0)
            {
                subBucketIndex -= HalfCount;
                bucketIndex = 0;
            }

            return (long)subBucketIndex << bucketIndex;
        }

        public long HighestEquivalentValue(long value)
        {
            var bucketIndex = BucketIndex(value);
            var subBucketIndex = (int)(value >> bucketIndex);
            var adjustedBucket = subBucketIndex >= SubBucketCount ? bucketIndex + 1 : bucketIndex;
            return ValueFromIndex(CountsIndex(value)) + (1L << adjustedBucket) - 1;
        }
    }
}
