using System.Collections.Concurrent;

namespace DpcPi.Bench.Contenders;

/// <summary>BlockingCollection over a ConcurrentQueue, drained by a dedicated pinned consumer thread blocked in TryTake.</summary>
internal sealed class BlockingCollectionContender() : Contender("blocking-collection")
{
    private BlockingCollection<long>? _queue;
    private Thread? _consumer;
    private BenchSink? _sink;

    public override void Start(BenchSink sink, int consumerCpu, int capacity)
    {
        _sink = sink;
        _queue = new BlockingCollection<long>(new ConcurrentQueue<long>());
        _consumer = StartPinned("blocking-collection", consumerCpu, Consume, Notes);
    }

    public override void Publish(long stampNs) => _queue!.Add(stampNs);

    public override void Stop()
    {
        _queue?.CompleteAdding();
        _consumer?.Join();
        _consumer = null;
        _queue?.Dispose();
        _queue = null;
    }

    private void Consume()
    {
        var sink = _sink!;
        while (_queue!.TryTake(out var stamp, Timeout.Infinite))
        {
            sink.Handle(stamp);
        }
    }
}
