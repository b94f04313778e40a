namespace DpcPi.Bench.Contenders;

/// <summary>
/// ThreadPool.UnsafeQueueUserWorkItem with one preallocated IThreadPoolWorkItem queued once per event;
/// each execution takes the next stamp from a ring. Pool threads cannot be pinned.
/// </summary>
internal sealed class ThreadPoolContender() : Contender("threadpool"), IThreadPoolWorkItem
{
    private long[] _ring = [];
    private int _mask;
    private long _published;
    private long _taken;
    private BenchSink? _sink;

    public override bool ConcurrentHandler => true;

    public override void Start(BenchSink sink, int consumerCpu, int capacity)
    {
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, capacity));
        _ring = new long[size];
        _mask = size - 1;
        _sink = sink;
        Notes.Add("pool threads are not pinned; the scheduler places them");
    }

    public override void Publish(long stampNs)
    {
        _ring[_published & _mask] = stampNs;
        _published++;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    public void Execute()
    {
        var index = Interlocked.Increment(ref _taken) - 1;
        _sink!.Handle(Volatile.Read(ref _ring[index & _mask]));
    }

    public override void Stop()
    {
    }
}
