using DpcPi.Kernel;

namespace DpcPi.Labs.ClockTick;

/// <summary>One entry of the schedule: at tick <c>Tick</c> the quantum of <c>From</c> ran out and the dispatch DPC switched to <c>To</c>.</summary>
public readonly record struct DispatchRecord(long Tick, string From, string To, long TickToDispatchNs);

/// <summary>
/// A miniature scheduler after the Windows clock interrupt: the clock ISR charges the running (simulated)
/// thread one tick and decrements its quantum; when the quantum reaches zero it queues the dispatch DPC
/// (the DISPATCH_LEVEL software interrupt), which picks the next ready thread round robin and gives it a
/// fresh quantum. The ISR only counts; the decision is the DPC's.
/// </summary>
public sealed class ClockTickDriver
{
    private readonly string[] _threads;
    private readonly long[] _charged;
    private readonly List<DispatchRecord> _schedule = [];
    private readonly Dpc _dispatch;
    private int _running;
    private int _quantumLeft;
    private long _ticks;
    private long _expiredAtTick;
    private long _expiredAtNs;

    public ClockTickDriver(DpcKernel kernel, IReadOnlyList<string> threads, int quantumTicks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads.Count, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantumTicks);
        Kernel = kernel;
        _threads = threads.ToArray();
        _charged = new long[_threads.Length];
        QuantumTicks = quantumTicks;
        _quantumLeft = quantumTicks;
        _dispatch = kernel.InitializeDpc(static (_, ctx, _, _) => ((ClockTickDriver)ctx!).Dispatch(), this, "KiDispatch");
    }

    public DpcKernel Kernel { get; }

    public int QuantumTicks { get; }

    public long Ticks => _ticks;

    public IReadOnlyList<DispatchRecord> Schedule => _schedule;

    /// <summary>Ticks charged to each thread, in the order of the thread list.</summary>
    public IReadOnlyList<long> ChargedTicks => _charged;

    public string Running => _threads[_running];

    /// <summary>The clock ISR.</summary>
    public static bool Isr(Interrupt interrupt, object? context, ref InterruptFrame frame)
    {
        var d = (ClockTickDriver)context!;
        d._ticks++;
        d._charged[d._running]++;
        if (--d._quantumLeft == 0)
        {
            d._expiredAtTick = d._ticks;
            d._expiredAtNs = frame.TimestampNs;
            d.Kernel.InsertQueueDpc(d._dispatch);
        }

        return true;
    }

    private void Dispatch()
    {
        var from = _running;
        _running = (_running + 1) % _threads.Length;
        _quantumLeft = QuantumTicks;
        _schedule.Add(new DispatchRecord(_expiredAtTick, _threads[from], _threads[_running], Kernel.Clock.NowNs - _expiredAtNs));
    }
}
