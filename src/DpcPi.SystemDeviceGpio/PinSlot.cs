using System.Device.Gpio;
using System.Runtime.ExceptionServices;
using DpcPi.Interrupts;
using DpcPi.Kernel;
using Lines = DpcPi.Gpio;

namespace DpcPi.SystemDeviceGpio;

/// <summary>
/// One line offset's interrupt plumbing, made on first open and kept for the driver's life so that
/// opening and closing a pin never grows the kernel's tables: the vector (= the offset), the interrupt
/// object whose source this is, and the device whose DpcForIsr delivers the pin's edges. The pin
/// currently open on it (<see cref="PinState"/>) is swapped in and out under the ISR lock.
/// </summary>
internal sealed class PinSlot : IInterruptSource
{
    // Static, capture-free routines: the hot path allocates no closures.
    private static readonly InterruptServiceRoutine s_isr = static (_, context, ref frame) =>
    {
        ((PinSlot)context!).OnEdge(ref frame);
        return true;
    };

    private static readonly DeferredRoutine s_dpcForIsr = static (_, context, _, _) => ((PinSlot)((DeviceObject)context!).Extension!).Drain();

    private readonly DpcPiGpioDriver _driver;
    private readonly EpollInterruptController _controller;
    private readonly Lock _isrLock = new(); // Windows' interrupt spin lock: the ISR versus attach, detach and reconfigure
    private readonly Lock _drainLock = new(); // one drain at a time, even if two DPC runs ever overlapped
    private PinState? _current;
    private long _edgesRead;
    private long _dispatched;
    private long _lostInKernel;
    private long _lostInRing;
    private long _mergedInClosedRequests;
    private long _callbackExceptions;
    private long _discardedOnClose;

    public PinSlot(DpcPiGpioDriver driver, DpcKernel kernel, EpollInterruptController controller, string chip, int offset)
    {
        _driver = driver;
        _controller = controller;
        Offset = offset;
        Device = kernel.CreateDevice($"gpio {chip}:{offset}", s_dpcForIsr, this);
        // No clock tick runs in the driver (an idle driver must not wake), and Medium or Low DPCs may wait
        // for one; MediumHigh always wakes its worker and still queues at the tail.
        Device.DpcForIsr.SetImportance(DpcImportance.MediumHigh);
        Interrupt = kernel.ConnectInterrupt(offset, s_isr, this, this, Irql.Device, $"gpio {chip}:{offset}");
    }

    public int Offset { get; }

    public DeviceObject Device { get; }

    public Interrupt Interrupt { get; }

    public PinState? Current => Volatile.Read(ref _current);

    public DpcPiPinStatistics GetStatistics()
    {
        var merged = Volatile.Read(ref _mergedInClosedRequests);
        if (Current?.Request is { IsDisposed: false } request)
        {
            merged += request.GetStatistics(Offset).Merged;
        }

        return new(Volatile.Read(ref _edgesRead), Volatile.Read(ref _dispatched), Volatile.Read(ref _lostInKernel), Volatile.Read(ref _lostInRing), merged, Volatile.Read(ref _callbackExceptions), Volatile.Read(ref _discardedOnClose));
    }

    /// <summary>Makes <paramref name="state"/> the open pin of this slot.</summary>
    public void Attach(PinState state)
    {
        using (_isrLock.EnterScope())
        {
            Volatile.Write(ref _current, state);
        }
    }

    /// <summary>Gives the open pin its line request and adds it to the ISR thread's epoll set.</summary>
    public void AttachRequest(PinState state, Lines.GpioLineRequest request)
    {
        using (_isrLock.EnterScope())
        {
            state.Request = request;
        }

        _controller.Register(request.ReadinessHandle, Offset);
    }

    /// <summary>Changes the line's configuration, excluded from the ISR reading the same request.</summary>
    public void Reconfigure(PinState state, Lines.GpioLineSettings settings)
    {
        using (_isrLock.EnterScope())
        {
            state.Request!.Reconfigure(Offset, settings);
        }
    }

    /// <summary>
    /// Detaches the open pin: once this returns the ISR no longer touches its request, the DPC delivers
    /// no further edge of it, waiters end as timed out, and the line is released.
    /// </summary>
    public void Detach()
    {
        PinState? state;
        using (_isrLock.EnterScope())
        {
            state = _current;
            Volatile.Write(ref _current, null);
            if (state is not null)
            {
                state.Closed = true;
            }
        }

        if (state is null)
        {
            return;
        }

        Volatile.Write(ref _discardedOnClose, _discardedOnClose + state.Ring.Count); // only a close from inside a callback leaves any
        if (state.Request is not { } request)
        {
            state.ClearListeners();
            return;
        }

        _controller.Unregister(request.ReadinessHandle);
        _mergedInClosedRequests += request.IsDisposed ? 0 : request.GetStatistics(Offset).Merged;
        request.Dispose();
        state.ClearListeners();
    }

    /// <summary>The ISR thread: reads every pending edge event and dispatches one interrupt per edge. Allocation-free.</summary>
    public void Service(Interrupt interrupt)
    {
        using (_isrLock.EnterScope())
        {
            if (_current is not { Request: { } request, Failure: null } state)
            {
                return; // closed (or not yet requested) between epoll_wait and now
            }

            int n;
            do
            {
                try
                {
                    n = request.ReadEdgeEvents(state.Batch);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                {
                    // ENODEV after the chip went away: a level-triggered dead fd would spin the ISR thread, so drop it.
                    state.Failure = ex;
                    _controller.Unregister(request.ReadinessHandle);
                    return;
                }

                for (var i = 0; i < n; i++)
                {
                    var frame = GpioInterruptSource.Frame(in state.Batch[i]);
                    interrupt.Dispatch(ref frame);
                }
            }
            while (n == state.Batch.Length);
        }
    }

    /// <summary>The ISR (under the ISR lock, on the ISR thread): queue the edge for the DPC, count what was lost, request the DPC.</summary>
    private void OnEdge(ref InterruptFrame frame)
    {
        var state = _current!;
        _edgesRead++;
        var lineSequence = (uint)frame.LineSequence;
        var gap = lineSequence - state.LastLineSequence - 1; // uint arithmetic wraps like the kernel's counter
        var kernelLost = gap != 0 && gap < int.MaxValue ? gap : 0L;
        state.LastLineSequence = lineSequence;
        _lostInKernel += kernelLost;
        var lostBefore = state.PendingLost + kernelLost;
        var edge = new EdgeRecord(frame.TimestampNs, frame.Code == (int)Lines.PinEventTypes.Rising, lineSequence, lostBefore, state.NextReadIndex());
        if (state.Ring.TryEnqueue(in edge))
        {
            state.PendingLost = 0;
        }
        else
        {
            // Never silent: the edge is counted here and reported as LostBefore on the next one that fits.
            state.PendingLost = lostBefore + 1;
            _lostInRing++;
        }

        _ = Device.RequestDpc(); // false = already queued: that run drains this edge too
    }

    /// <summary>
    /// The DpcForIsr: hands every queued edge to the waiters and callbacks, in order. A callback that throws
    /// does not stop the others or the later edges; the first exception is rethrown once the ring is
    /// drained so that the kernel's DPC exception policy sees it.
    /// </summary>
    private void Drain()
    {
        Exception? first = null;
        using (_drainLock.EnterScope())
        {
            var state = Current;
            while (state is not null && !state.Closed && state.Ring.TryDequeue(out var edge))
            {
                _dispatched++;
                var type = edge.Rising ? PinEventTypes.Rising : PinEventTypes.Falling;
                foreach (var waiter in state.Waiters)
                {
                    _ = waiter.TryComplete(type, edge.ReadIndex);
                }

                var handlers = edge.Rising ? state.Rising : state.Falling;
                if (handlers.Length == 0)
                {
                    continue;
                }

                var args = state.ArgsFor(in edge);
                foreach (var handler in handlers)
                {
                    try
                    {
                        handler(_driver, args);
                    }
                    catch (Exception ex)
                    {
                        _callbackExceptions++;
                        first ??= ex;
                    }
                }
            }
        }

        if (first is not null)
        {
            ExceptionDispatchInfo.Throw(first);
        }
    }
}
