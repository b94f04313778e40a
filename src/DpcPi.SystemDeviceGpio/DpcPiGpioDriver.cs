using System.Device.Gpio;
using System.Globalization;
using DpcPi.Interrupts;
using DpcPi.Kernel;
using DpcPi.Platform;
using Lines = DpcPi.Gpio;

namespace DpcPi.SystemDeviceGpio;

/// <summary>
/// A System.Device.Gpio <see cref="GpioDriver"/> over DpcPi: <c>new GpioController(DpcPiGpioDriver.ForChip("gpiochip0"))</c>.
/// Pin numbers are line offsets on the chip (BCM numbers on a Raspberry Pi). Each open pin is one line
/// request whose descriptor sits in the ISR thread's epoll set; the ISR reads the kernel's edge events and
/// queues them in the pin's ring, and the pin's DpcForIsr calls the callbacks on a DPC worker, with the
/// kernel timestamp, the line sequence number and the edges lost before it
/// (<see cref="DpcPiPinValueChangedEventArgs"/>). Every edge the kernel delivered reaches the callbacks or
/// is counted as lost (<see cref="GetStatistics"/>). Nothing wakes while no edge arrives.
/// </summary>
public sealed partial class DpcPiGpioDriver : GpioDriver
{
    private readonly DpcPiGpioDriverOptions _options;
    private readonly EpollInterruptController _controller = new();
    private readonly Lock _gate = new(); // open, close, modes and listener changes; never taken by the ISR or a DPC
    private readonly PinSlot?[] _slots;
    private volatile bool _disposed;
    private int _shutdownStarted;

    /// <summary>A driver for <paramref name="chip"/> (name, path or label) of <paramref name="backend"/>: the Linux character device or DpcPi's fake.</summary>
    /// <exception cref="Lines.GpioException">The chip does not exist (the message names the chips that do).</exception>
    public DpcPiGpioDriver(Lines.IGpioBackend backend, string chip, DpcPiGpioDriverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentException.ThrowIfNullOrEmpty(chip);
        _options = options ?? new DpcPiGpioDriverOptions();
        _options.Validate();
        Backend = backend;
        Chip = backend.GetChip(chip);
        _slots = new PinSlot?[Chip.LineCount];
        Kernel = new DpcKernel(_options.Kernel ?? DpcPiGpioDriverOptions.DefaultKernel());
        try
        {
            Kernel.Start(_controller);
        }
        catch
        {
            Kernel.Dispose();
            _controller.Dispose();
            throw;
        }
    }

    /// <summary>A driver for a chip of the Linux GPIO character device (uAPI v2): <c>"gpiochip0"</c>, <c>"/dev/gpiochip4"</c> or a label such as <c>"pinctrl-bcm2711"</c>.</summary>
    public static DpcPiGpioDriver ForChip(string chip, DpcPiGpioDriverOptions? options = null) => new(new Lines.LinuxGpioBackend(), chip, options);

    public Lines.IGpioBackend Backend { get; }

    public Lines.GpioChipInfo Chip { get; }

    /// <summary>The driver's DPC kernel: its interrupts (one per pin ever opened), DPCs, latency histograms and guarantees.</summary>
    public DpcKernel Kernel { get; }

    protected override int PinCount => Chip.LineCount;

    /// <summary>What happened to a pin's edges since it was first opened (zeros for a pin never opened).</summary>
    public DpcPiPinStatistics GetStatistics(int pinNumber)
    {
        CheckPin(pinNumber);
        return _slots[pinNumber]?.GetStatistics() ?? default;
    }

    /// <summary>The chip as System.Device.Gpio describes it (Id is N of gpiochipN, or -1 for another name).</summary>
    public override GpioChipInfo GetChipInfo() =>
        new(Chip.Name.StartsWith("gpiochip", StringComparison.Ordinal) && int.TryParse(Chip.Name.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1, Chip.Name, Chip.Label, Chip.LineCount);

    /// <summary>
    /// Reserves the line without changing it: an input is requested as it is; an output is requested only when
    /// first needed (its level cannot be read without driving it), so opening never glitches it.
    /// </summary>
    protected override void OpenPin(int pinNumber)
    {
        using (_gate.EnterScope())
        {
            ThrowIfDisposed();
            CheckPin(pinNumber);
            var slot = _slots[pinNumber] ??= new PinSlot(this, Kernel, _controller, Chip.Name, pinNumber);
            if (slot.Current is not null)
            {
                throw new InvalidOperationException($"Pin {pinNumber} is already open on this driver.");
            }

            var info = Backend.GetLineInfo(Chip.Name, pinNumber);
            if (info.IsUsed)
            {
                throw new InvalidOperationException($"Pin {pinNumber} is already open elsewhere: consumer \"{info.Consumer}\" holds line {pinNumber} of {Chip.Name}; close it there or choose another pin.");
            }

            var mode = info.Mode == Lines.PinMode.Output ? PinMode.Output
                : info.Bias == Lines.GpioBias.PullUp ? PinMode.InputPullUp
                : info.Bias == Lines.GpioBias.PullDown ? PinMode.InputPullDown
                : PinMode.Input;
            var state = new PinState(pinNumber, mode, _options.EventRingCapacity, _options.ReuseEventArgs);
            slot.Attach(state);
            if (info.Mode == Lines.PinMode.Input)
            {
                try
                {
                    RequestLine(slot, state, Lines.GpioLineSettings.Input());
                }
                catch
                {
                    slot.Detach();
                    throw;
                }
            }
        }
    }

    /// <summary>
    /// Releases the line. Edges the kernel had already reported still reach the callbacks first (edge detection
    /// stops, the ISR reads what is buffered, the DPCs deliver it); then callbacks and waits of the pin end.
    /// Called from a callback, that delivery cannot be waited for: the undelivered edges are counted as
    /// <see cref="DpcPiPinStatistics.DiscardedOnClose"/>. After Dispose there is nothing to do.
    /// </summary>
    protected override void ClosePin(int pinNumber)
    {
        PinSlot slot;
        PinState state;
        var watched = false;
        using (_gate.EnterScope())
        {
            if (_disposed || (uint)pinNumber >= (uint)_slots.Length || _slots[pinNumber] is not { Current: { } current } open)
            {
                return; // Dispose released every line; closing a closed pin changes nothing
            }

            (slot, state) = (open, current);
            if (state.Request is { } request && request.GetSettings(pinNumber).Edges != Lines.PinEventTypes.None)
            {
                slot.Reconfigure(state, request.GetSettings(pinNumber) with { Edges = Lines.PinEventTypes.None });
                watched = true;
            }
        }

        if (watched && DpcKernel.CurrentIrql < Irql.Dispatch && state.Request is { } held)
        {
            // Outside the gate: the callbacks being delivered may call into the driver.
            WaitUntilRead(held);
            Kernel.FlushQueuedDpcs();
        }

        using (_gate.EnterScope())
        {
            if (!_disposed && ReferenceEquals(slot.Current, state))
            {
                slot.Detach();
            }
        }
    }

    /// <summary>
    /// Stops cleanly and releases every line: the ISR thread services what the lines have pending and stops,
    /// queued DPCs deliver what the ISR queued, then the workers stop. Called from a callback (a DPC worker
    /// cannot wait for itself), the same shutdown runs on a helper thread once the callback has returned.
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _shutdownStarted, 1) == 0)
        {
            _disposed = true;
            if (DpcKernel.CurrentIrql >= Irql.Dispatch)
            {
                new Thread(Shutdown) { IsBackground = true, Name = "dpcpi-gpio-dispose" }.Start();
            }
            else
            {
                Shutdown();
            }
        }

        base.Dispose(disposing);
    }

    internal static Lines.PinEventTypes ToLines(PinEventTypes types) =>
        ((types & PinEventTypes.Rising) != 0 ? Lines.PinEventTypes.Rising : Lines.PinEventTypes.None)
        | ((types & PinEventTypes.Falling) != 0 ? Lines.PinEventTypes.Falling : Lines.PinEventTypes.None);

    /// <summary>Tests: the open pin's line request (to see what the ISR has read), or null.</summary>
    internal Lines.GpioLineRequest? RequestOf(int pinNumber) => _slots[pinNumber]?.Current?.Request;

    private void Shutdown()
    {
        try
        {
            Kernel.StopInterrupts();
            Kernel.FlushQueuedDpcs();
        }
        finally
        {
            Kernel.Stop();
            using (_gate.EnterScope())
            {
                foreach (var slot in _slots)
                {
                    slot?.Detach();
                }
            }

            Kernel.Dispose();
            _controller.Dispose();
        }
    }

    /// <summary>Waits (up to 2 s) until the ISR thread has read every event the kernel buffered for the request.</summary>
    private static void WaitUntilRead(Lines.GpioLineRequest request)
    {
        using var probe = new Epoll(1);
        probe.Add(request.ReadinessHandle, 0);
        var cookies = new ulong[1];
        var events = new uint[1];
        var deadline = Environment.TickCount64 + 2_000;
        while (probe.Wait(cookies, events, 0) > 0 && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(1);
        }
    }

    private void RequestLine(PinSlot slot, PinState state, Lines.GpioLineSettings settings)
    {
        Lines.GpioLineRequest request;
        try
        {
            var options = new Lines.GpioLineRequestOptions(_options.Consumer) { EventBufferSize = _options.KernelEventBufferSize };
            request = Backend.RequestLines(Chip.Name, options.Add(state.Offset, settings));
        }
        catch (Lines.GpioException ex) when (ex.Errno == Errnos.EBUSY)
        {
            throw new InvalidOperationException($"Pin {state.Offset} is already open elsewhere: {ex.Message}", ex);
        }

        slot.AttachRequest(state, request);
    }

    private PinState OpenState(int pinNumber)
    {
        ThrowIfDisposed();
        CheckPin(pinNumber);
        return _slots[pinNumber]?.Current ?? throw new InvalidOperationException($"Pin {pinNumber} is not open; open it first.");
    }

    private void CheckPin(int pinNumber)
    {
        if ((uint)pinNumber >= (uint)Chip.LineCount)
        {
            throw new ArgumentException($"Pin {pinNumber} does not exist on {Chip.Name} [{Chip.Label}]: its lines are 0..{Chip.LineCount - 1} (pins are line offsets, the BCM numbers on a Raspberry Pi).");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
