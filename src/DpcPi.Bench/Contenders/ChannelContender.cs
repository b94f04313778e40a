using System.Threading.Channels;

namespace DpcPi.Bench.Contenders;

/// <summary>System.Threading.Channels: an unbounded single-reader channel, read by a dedicated pinned thread that blocks in WaitToReadAsync when empty.</summary>
internal sealed class ChannelContender() : Contender("channel")
{
    private Channel<long>? _channel;
    private Thread? _reader;
    private BenchSink? _sink;

    public override void Start(BenchSink sink, int consumerCpu, int capacity)
    {
        _sink = sink;
        _channel = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = false });
        _reader = StartPinned("channel-reader", consumerCpu, Read, Notes);
    }

    public override void Publish(long stampNs) => _channel!.Writer.TryWrite(stampNs);

    public override void Stop()
    {
        _channel?.Writer.TryComplete();
        _reader?.Join();
        _reader = null;
    }

    private void Read()
    {
        var reader = _channel!.Reader;
        var sink = _sink!;
        while (true)
        {
            while (reader.TryRead(out var stamp))
            {
                sink.Handle(stamp);
            }

            var wait = reader.WaitToReadAsync();
            var more = wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
            if (!more)
            {
                return;
            }
        }
    }
}
