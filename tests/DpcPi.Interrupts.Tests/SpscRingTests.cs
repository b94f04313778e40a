using DpcPi.Interrupts;

namespace DpcPi.Interrupts.Tests;

public sealed class SpscRingTests
{
    [Fact]
    public void TryEnqueue_Full_RefusesTheNewestAndKeepsTheOrder()
    {
        var ring = new SpscRing<int>(4);
        for (var i = 1; i <= 4; i++)
        {
            Assert.True(ring.TryEnqueue(i));
        }

        Assert.False(ring.TryEnqueue(5)); // full: the newest is refused, nothing is overwritten
        var read = new List<int>();
        while (ring.TryDequeue(out var x))
        {
            read.Add(x);
        }

        Assert.Equal([1, 2, 3, 4], read);
        Assert.Equal(0, ring.Count);
    }

    [Fact]
    public void TryDequeue_AfterWrapAround_ReturnsEachItemOnce()
    {
        var ring = new SpscRing<int>(2);
        var read = new List<int>();
        for (var i = 0; i < 7; i++)
        {
            Assert.True(ring.TryEnqueue(i));
            Assert.True(ring.TryDequeue(out var x));
            read.Add(x);
        }

        Assert.Equal(Enumerable.Range(0, 7), read);
        Assert.False(ring.TryDequeue(out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(1000)]
    public void Constructor_NotAPowerOfTwo_Throws(int capacity) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpscRing<int>(capacity));
}
