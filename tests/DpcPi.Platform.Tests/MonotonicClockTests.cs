using DpcPi.Platform;

namespace DpcPi.Platform.Tests;

public sealed class MonotonicClockTests
{
    [Fact]
    public void SleepUntil_FutureDeadline_ReturnsNoEarlierThanTheDeadline()
    {
        var deadline = MonotonicClock.NowNs + 20_000_000;

        MonotonicClock.SleepUntil(deadline);

        Assert.True(MonotonicClock.NowNs >= deadline);
    }

    [Fact]
    public void SleepUntil_PastDeadline_ReturnsWithoutSleeping()
    {
        var before = MonotonicClock.NowNs;

        MonotonicClock.SleepUntil(before - 1_000_000_000);
        MonotonicClock.SleepUntil(0);

        Assert.True(MonotonicClock.NowNs - before < 1_000_000_000); // a relative sleep would last about as long as the machine has been up
    }

    [Fact]
    public void ReadCostNs_Here_IsAPositiveFractionOfABatch()
    {
        var cost = MonotonicClock.ReadCostNs(batches: 3, readsPerBatch: 1_000);

        // Least of three batches: more than nothing, and far less than a whole batch per read (which a per-batch
        // rather than per-read figure would give), even if every batch was pre-empted for a millisecond.
        Assert.InRange(cost, 1e-3, 100_000);
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(3, 0)]
    public void ReadCostNs_NoReads_Throws(int batches, int reads) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => MonotonicClock.ReadCostNs(batches, reads));
}
