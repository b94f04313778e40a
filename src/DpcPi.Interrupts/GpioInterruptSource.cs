using DpcPi.Gpio;
using DpcPi.Kernel;

namespace DpcPi.Interrupts;

/// <summary>
/// Turns a GPIO line request into an interrupt vector: when its descriptor is readable the ISR
/// thread reads a batch of edge events and dispatches one interrupt per edge, with the kernel's
/// timestamp and sequence numbers in the frame. Loss (seqno gaps) and merged edges are counted by
/// the line request as the events are read. Allocation-free after construction.
/// Join it to the ISR thread's epoll set through <see cref="Register"/>: a request that fails (its chip removed)
/// then leaves the set, where its descriptor, readable for ever with an error, would wake the ISR thread in a loop.
/// </summary>
public sealed class GpioInterruptSource : IInterruptSource
{
    private readonly GpioEdgeEvent[] _batch;
    private EpollInterruptController? _controller;

    public GpioInterruptSource(GpioLineRequest request, int batchSize = 64)
    {
        Request = request;
        _batch = new GpioEdgeEvent[batchSize];
    }

    public GpioLineRequest Request { get; }

    /// <summary>Edges read from the kernel and dispatched.</summary>
    public long Dispatched { get; private set; }

    /// <summary>Set when the device went away (chip removed, request closed): the vector is dead.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Adds the request's descriptor to <paramref name="controller"/>'s set as <paramref name="vector"/>, and leaves the set once the request fails.</summary>
    public void Register(EpollInterruptController controller, int vector)
    {
        ArgumentNullException.ThrowIfNull(controller);
        controller.Register(Request.ReadinessHandle, vector);
        _controller = controller;
    }

    /// <summary>The interrupt frame of one kernel edge event: its timestamp, sequence numbers, line and edge type.</summary>
    public static InterruptFrame Frame(in GpioEdgeEvent e) => new()
    {
        TimestampNs = e.TimestampNs,
        Sequence = e.Seqno,
        LineSequence = e.LineSeqno,
        Line = e.Offset,
        Code = (int)e.EventType,
    };

    public void Service(Interrupt interrupt)
    {
        if (Failure is not null)
        {
            return;
        }

        int n;
        do
        {
            try
            {
                n = Request.ReadEdgeEvents(_batch);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // ENODEV after the chip disappeared: remember it, never crash the ISR thread, and leave the set
                // (level-triggered, the dead descriptor stays ready: every wait would return it at once).
                Failure = ex;
                _controller?.Unregister(Request.ReadinessHandle);
                return;
            }

            for (var i = 0; i < n; i++)
            {
                var frame = Frame(in _batch[i]);
                interrupt.Dispatch(ref frame);
            }

            Dispatched += n;
        }
        while (n == _batch.Length);
    }
}
