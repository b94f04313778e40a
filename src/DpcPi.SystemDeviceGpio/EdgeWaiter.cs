using System.Device.Gpio;

namespace DpcPi.SystemDeviceGpio;

/// <summary>
/// One WaitForEvent(Async) call: completed by the pin's DPC with the first matching edge the ISR read after
/// the wait began, or by cancellation. Sync waits block on an event, async ones on a task whose
/// continuations never run on the DPC worker.
/// </summary>
internal sealed class EdgeWaiter : IDisposable
{
    private readonly ManualResetEventSlim? _signal;
    private readonly TaskCompletionSource<WaitForEventResult>? _completion;
    private int _done;
    private WaitForEventResult _result;

    public EdgeWaiter(PinEventTypes types, long afterReadIndex, bool asynchronous)
    {
        Types = types;
        AfterReadIndex = afterReadIndex;
        if (asynchronous)
        {
            _completion = new TaskCompletionSource<WaitForEventResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        else
        {
            _signal = new ManualResetEventSlim(false, 0);
        }
    }

    public PinEventTypes Types { get; }

    /// <summary>Edges with a read index up to this one were read before the wait began and do not end it.</summary>
    public long AfterReadIndex { get; }

    public Task<WaitForEventResult> Task => _completion!.Task;

    /// <summary>The DPC side: ends the wait if the edge matches and the wait is still open.</summary>
    public bool TryComplete(PinEventTypes edge, long readIndex) =>
        readIndex > AfterReadIndex && (Types & edge) != 0 && Finish(new WaitForEventResult { EventTypes = edge, TimedOut = false });

    /// <summary>Ends the wait as timed out (cancellation, pin closed, driver disposed).</summary>
    public bool TryCancel() => Finish(new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true });

    /// <summary>Blocks until completed; cancellation ends the wait as timed out.</summary>
    public WaitForEventResult Wait(CancellationToken cancellationToken)
    {
        try
        {
            _signal!.Wait(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            _ = TryCancel();
        }

        // A DPC that won the race against the cancellation is a few instructions from publishing its result.
        var spin = default(SpinWait);
        while (Volatile.Read(ref _done) != 2)
        {
            spin.SpinOnce();
        }

        return _result;
    }

    public void Dispose() => _signal?.Dispose();

    private bool Finish(WaitForEventResult result)
    {
        if (Interlocked.CompareExchange(ref _done, 1, 0) != 0)
        {
            return false;
        }

        _result = result;
        Volatile.Write(ref _done, 2);
        _signal?.Set();
        _completion?.TrySetResult(result);
        return true;
    }
}
