using System.Collections.Concurrent;

namespace DpcPi.SystemDeviceGpio.Tests;

/// <summary>What a binding's events reported, in order; Take waits (generously) for the next one.</summary>
internal sealed class BlockingQueue<T>
{
    private readonly BlockingCollection<T> _items = new();

    public void Add(T item) => _items.Add(item);

    public T Take(int timeoutMs = 20_000)
    {
        if (!_items.TryTake(out var item, timeoutMs))
        {
            Assert.Fail($"Timed out after {timeoutMs} ms waiting for the next event.");
        }

        return item!;
    }

    public bool TryTake(TimeSpan timeout, out T? item) => _items.TryTake(out item, timeout);
}
