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

    private const int SubBucketHalfCountMagnitude = 10;
    private const int SubBucketHalfCount = 1 << SubBucketHalfCountMagnitude; // 1024
    private const int SubBucketCount = SubBucketHalfCount * 2;                 // 2048
    private const long SubBucketMask = SubBucketCount - 1;
    private const int LeadingZeroCountBase = 64 - SubBucketHalfCountMagnitude - 1; // unit magnitude 0 (1 ns)
    private static readonly int s_bucketCount = ComputeBucketCount();
    private static readonly int s_countsLength = (s_bucketCount + 1) * SubBucketHalfCount;

    private readonly long[] _counts;
    private long _totalCount;
    private long _sum;
    private long _min = long.MaxValue;
    private long _max;
    private long _overflowCount;

    public LatencyHistogram() => _counts = new long[s_countsLength];

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

        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += Volatile.Read(ref other._counts[i]);
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
        var copy = new LatencyHistogram();
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
                var value = HighestEquivalentValue(ValueFromIndex(i));
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

            var v = ValueFromIndex(i);
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
                var low = ValueFromIndex(i);
                yield return (low, HighestEquivalentValue(low), c);
            }
        }
    }

    /// <summary>The smallest value that lands in the same bucket as <paramref name="value"/>.</summary>
    public static long LowestEquivalentValue(long value) => ValueFromIndex(CountsIndex(value));

    /// <summary>The largest value that lands in the same bucket as <paramref name="value"/>.</summary>
    public static long HighestEquivalentValue(long value)
    {
        var bucketIndex = BucketIndex(value);
        var subBucketIndex = (int)(value >> bucketIndex);
        var adjustedBucket = subBucketIndex >= SubBucketCount ? bucketIndex + 1 : bucketIndex;
        var size = 1L << adjustedBucket;
        return LowestEquivalentValue(value) + size - 1;
    }

    private int CountsIndexClamped(long value)
    {
        if (value > HighestTrackableValue)
        {
            _ = Interlocked.Increment(ref _overflowCount);
            value = HighestTrackableValue;
        }

        return CountsIndex(value);
    }

    private static int BucketIndex(long value) => LeadingZeroCountBase - BitOperations.LeadingZeroCount((ulong)(value | SubBucketMask));

    private static int CountsIndex(long value)
    {
        var bucketIndex = BucketIndex(value);
        var subBucketIndex = (int)(value >> bucketIndex);
        return ((bucketIndex + 1) << SubBucketHalfCountMagnitude) + (subBucketIndex - SubBucketHalfCount);
    }

    private static long ValueFromIndex(int index)
    {
        var bucketIndex = (index >> SubBucketHalfCountMagnitude) - 1;
        var subBucketIndex = (index & (SubBucketHalfCount - 1)) + SubBucketHalfCount;
        if (bucketIndex < 0)
        {
            subBucketIndex -= SubBucketHalfCount;
            bucketIndex = 0;
        }

        return (long)subBucketIndex << bucketIndex;
    }

    private static int ComputeBucketCount()
    {
        long smallestUntrackable = SubBucketCount;
        var buckets = 1;
        while (smallestUntrackable <= HighestTrackableValue)
        {
            smallestUntrackable <<= 1;
            buckets++;
        }

        return buckets;
    }
}
