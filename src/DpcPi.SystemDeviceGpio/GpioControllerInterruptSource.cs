using System.Device.Gpio;
using System.Runtime.InteropServices;
using DpcPi.Interrupts;
using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.SystemDeviceGpio;

/// <summary>
/// An interrupt source for users who keep their System.Device.Gpio driver (LibGpiodDriver on a Pi, SysFsDriver,
/// any <see cref="GpioDriver"/>): each pin-value-changed callback of their <see cref="GpioController"/> becomes one
/// interrupt on DpcPi's ISR thread, whose ISR then queues DPCs as for any other source.
/// What it cannot know, by construction: the driver hands over no kernel timestamp, so an interrupt's timestamp
/// is the callback's entry (latency is measured from there, not from the edge); and edges the driver lost
/// before calling back (System.Device.Gpio reports no sequence numbers) are invisible. Only what is lost between
/// the callback and the ISR thread is counted (<see cref="LostInRing"/>).
/// </summary>
public sealed class GpioControllerInterruptSource : IPollableInterruptSource
{
    private readonly GpioController _controller;
    private readonly PinChangeEventHandler _callback;
    private readonly EventFd _signal = new();
    private readonly SpscRing<EdgeRecord> _ring;
    private readonly Lock _producers = new(); // the driver may call back on several threads; the ISR never takes it
    private readonly bool _openedPin;
    private readonly bool _ownsController;
    private long _callbacks;
    private long _lostInRing;
    private long _dispatched;
    private ulong _sequence;
    private int _disposed;

    /// <summary>
    /// Listens to <paramref name="pin"/> of <paramref name="controller"/> (opened as an input if it is not open yet)
    /// for <paramref name="edges"/>; <paramref name="capacity"/> (a power of two) callbacks may wait for the ISR thread.
    /// With <paramref name="ownsController"/> the source disposes the controller with itself.
    /// </summary>
    public GpioControllerInterruptSource(GpioController controller, int pin, PinEventTypes edges = PinEventTypes.Rising | PinEventTypes.Falling, int capacity = 1024, bool ownsController = false)
    {
        ArgumentNullException.ThrowIfNull(controller);
        if (edges == PinEventTypes.None)
        {
            throw new ArgumentException("Listen to at least one edge (Rising, Falling or both).", nameof(edges));
        }

        _ring = new SpscRing<EdgeRecord>(capacity);
        _controller = controller;
        _ownsController = ownsController;
        Pin = pin;
        _callback = OnPinValueChanged;
        if (!controller.IsPinOpen(pin))
        {
            controller.OpenPin(pin, PinMode.Input);
            _openedPin = true;
        }

        try
        {
            controller.RegisterCallbackForPinValueChangedEvent(pin, edges, _callback);
        }
        catch
        {
            if (_openedPin)
            {
                controller.ClosePin(pin);
            }

            if (ownsController)
            {
                controller.Dispose();
            }

            _signal.Dispose();
            throw;
        }
    }

    /// <summary>What the reports say about this source's figures.</summary>
    public string Caveat => "System.Device.Gpio driver callbacks: no kernel timestamps (latency is measured from the callback's entry) and edges the driver lost before its callback cannot be known";

    public int Pin { get; }

    /// <summary>Readable while callbacks wait for the ISR thread: register it with the ISR thread's controller.</summary>
    public SafeHandle Handle => _signal.Handle;

    /// <summary>Callbacks the driver made.</summary>
    public long Callbacks => Volatile.Read(ref _callbacks);

    /// <summary>Callbacks dropped because <c>capacity</c> of them were already waiting for the ISR thread.</summary>
    public long LostInRing => Volatile.Read(ref _lostInRing);

    long IPollableInterruptSource.Lost => LostInRing;

    /// <summary>Interrupts dispatched to the ISR.</summary>
    public long Dispatched => Volatile.Read(ref _dispatched);

    private void OnPinValueChanged(object sender, PinValueChangedEventArgs e)
    {
        var now = MonotonicClock.NowNs;
        Interlocked.Increment(ref _callbacks);
        lock (_producers)
        {
            if (_disposed != 0)
            {
                return; // a callback already under way when Dispose unregistered it
            }

            if (!_ring.TryEnqueue(new EdgeRecord(now, e.ChangeType == PinEventTypes.Rising, 0, 0, 0)))
            {
                Interlocked.Increment(ref _lostInRing);
                return;
            }

            _signal.Signal(); // under the lock: never after Dispose closed the eventfd
        }
    }

    /// <summary>ISR thread: one interrupt per waiting callback, stamped with the callback's entry.</summary>
    public void Service(Interrupt interrupt)
    {
        _signal.Drain();
        while (_ring.TryDequeue(out var edge))
        {
            var frame = new InterruptFrame
            {
                TimestampNs = edge.TimestampNs,
                Sequence = ++_sequence,
                Line = Pin,
                Code = edge.Rising ? 1 : 2, // GPIO's codes: 1 rising, 2 falling
            };
            interrupt.Dispatch(ref frame);
            Volatile.Write(ref _dispatched, _dispatched + 1);
        }
    }

    /// <summary>Stops listening (and closes the pin if this source opened it); the controller stays the caller's unless the source owns it.</summary>
    public void Dispose()
    {
        lock (_producers)
        {
            if (_disposed != 0)
            {
                return;
            }

            _disposed = 1;
        }

        try
        {
            _controller.UnregisterCallbackForPinValueChangedEvent(Pin, _callback);
            if (_openedPin)
            {
                _controller.ClosePin(Pin);
            }
        }
        catch (ObjectDisposedException)
        {
            // the caller disposed the controller first: its callbacks are gone with it
        }

        if (_ownsController)
        {
            _controller.Dispose();
        }

        _signal.Dispose();
    }
}
