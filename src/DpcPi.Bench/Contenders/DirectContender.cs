namespace DpcPi.Bench.Contenders;

/// <summary>The handler called on the ISR thread itself: no hand-off at all (the cost of reading the clock).</summary>
internal sealed class DirectContender() : Contender("direct")
{
    private BenchSink? _sink;

    public override void Start(BenchSink sink, int consumerCpu, int capacity)
    {
        _sink = sink;
        Notes.Add("handler runs on the producer thread");
    }

    public override void Publish(long stampNs) => _sink!.Handle(stampNs);

    public override void Stop()
    {
    }
}
