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
}
