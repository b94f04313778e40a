using System.Device.Gpio;
using DpcPi.Kernel;

namespace DpcPi.SystemDeviceGpio;

/// <summary>Value-changed callbacks and waits: the kernel detects exactly the edges someone listens for.</summary>
public sealed partial class DpcPiGpioDriver
{
    /// <summary>
    /// Adds a callback, called on a DPC worker (thread "dpc/N") for every matching edge in order, with
    /// <see cref="DpcPiPinValueChangedEventArgs"/>. Keep it short: the pin's later edges wait in its ring meanwhile.
    /// </summary>
    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        CheckEventTypes(pinNumber, eventTypes);
        using (_gate.EnterScope())
        {
            var state = OpenState(pinNumber);
            if (state.Mode == PinMode.Output)
            {
                throw new InvalidOperationException($"Pin {pinNumber} is an output; value-changed callbacks need an input pin (set PinMode.Input first).");
            }

            state.AddCallback(eventTypes, callback);
            try
            {
                ApplyEdges(_slots[pinNumber]!, state);
            }
            catch
            {
                _ = state.RemoveCallback(callback);
                throw;
            }
        }
    }

    /// <summary>Removes every registration of <paramref name="callback"/> on the pin; edge detection stops when nothing listens.</summary>
    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        using (_gate.EnterScope())
        {
            var state = OpenState(pinNumber);
            if (state.RemoveCallback(callback))
            {
                ApplyEdges(_slots[pinNumber]!, state);
            }
        }
    }

    /// <summary>
    /// Blocks until an edge of <paramref name="eventTypes"/> that the ISR reads after this call began, or until
    /// cancellation (then TimedOut). Not from a callback: the DPC that would end the wait is the one running it.
    /// </summary>
    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        if (DpcKernel.CurrentIrql >= Irql.Dispatch)
        {
            throw new InvalidOperationException($"WaitForEvent on pin {pinNumber} cannot block inside a value-changed callback: the DPC running the callback is the one that would end the wait.");
        }

        using var waiter = BeginWait(pinNumber, eventTypes, asynchronous: false);
        try
        {
            return waiter.Wait(cancellationToken);
        }
        finally
        {
            EndWait(pinNumber, waiter);
        }
    }

    /// <summary>As <see cref="WaitForEvent"/>, completed by the pin's DPC with no thread blocked; continuations run on the thread pool, never on the DPC worker.</summary>
    protected override async ValueTask<WaitForEventResult> WaitForEventAsync(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        var waiter = BeginWait(pinNumber, eventTypes, asynchronous: true);
        try
        {
            using (cancellationToken.UnsafeRegister(static w => ((EdgeWaiter)w!).TryCancel(), waiter))
            {
                return await waiter.Task.ConfigureAwait(false);
            }
        }
        finally
        {
            EndWait(pinNumber, waiter);
            waiter.Dispose();
        }
    }

    private static void CheckEventTypes(int pinNumber, PinEventTypes eventTypes)
    {
        const PinEventTypes both = PinEventTypes.Rising | PinEventTypes.Falling;
        if ((eventTypes & both) == 0 || (eventTypes & ~both) != 0)
        {
            throw new ArgumentException($"Pin {pinNumber}: the event types must be PinEventTypes.Rising, Falling or both, not {eventTypes}.");
        }
    }

    private EdgeWaiter BeginWait(int pinNumber, PinEventTypes eventTypes, bool asynchronous)
    {
        CheckEventTypes(pinNumber, eventTypes);
        using (_gate.EnterScope())
        {
            var state = OpenState(pinNumber);
            if (state.Mode == PinMode.Output)
            {
                throw new InvalidOperationException($"Pin {pinNumber} is an output; waiting for an edge needs an input pin (set PinMode.Input first).");
            }

            // Edges the ISR read before this point happened before the call: they do not end the wait.
            var waiter = new EdgeWaiter(eventTypes, state.ReadCount, asynchronous);
            state.AddWaiter(waiter);
            try
            {
                ApplyEdges(_slots[pinNumber]!, state);
            }
            catch
            {
                state.RemoveWaiter(waiter);
                waiter.Dispose();
                throw;
            }

            return waiter;
        }
    }

    private void EndWait(int pinNumber, EdgeWaiter waiter)
    {
        using (_gate.EnterScope())
        {
            if (_disposed || _slots[pinNumber]?.Current is not { Closed: false } state)
            {
                return; // the pin (or the driver) went away and ended the wait
            }

            state.RemoveWaiter(waiter);
            try
            {
                ApplyEdges(_slots[pinNumber]!, state);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // The line is gone: the wait is over either way, and its result must not be masked.
            }
        }
    }

    /// <summary>Makes the line detect the edges someone listens for (no more: an unwatched edge costs an interrupt).</summary>
    private void ApplyEdges(PinSlot slot, PinState state)
    {
        if (state.Request is not { } request)
        {
            return; // only an output opened without a request has none, and outputs take no listeners
        }

        var wanted = state.WantedEdges;
        var current = request.GetSettings(state.Offset);
        if (current.Edges != wanted)
        {
            slot.Reconfigure(state, current with { Edges = wanted });
        }
    }
}
