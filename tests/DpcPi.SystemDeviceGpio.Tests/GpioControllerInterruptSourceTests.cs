using System.Device.Gpio;
using DpcPi.Interrupts;
using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.SystemDeviceGpio.Tests;

/// <summary>The source for users who keep their System.Device.Gpio driver: its callbacks become interrupts and DPCs.</summary>
public sealed class GpioControllerInterruptSourceTests
{
    private const PinEventTypes Both = PinEventTypes.Rising | PinEventTypes.Falling;

    [Fact]
    public void Callbacks_EachBecomesOneInterruptAndOneDpcRun_StampedAtCallbackEntry()
    {
        using var driver = new ManualDriver();
        using var controller = new GpioController(driver);
        using var rig = new KernelRig();
        using var source = new GpioControllerInterruptSource(controller, 5, Both);
        rig.Connect(source);

        var before = MonotonicClock.NowNs;
        driver.Fire(5, PinEventTypes.Rising);
        FakeRig.WaitUntil(() => rig.DpcRuns == 1, "the first DPC ran");
        driver.Fire(5, PinEventTypes.Falling);
        FakeRig.WaitUntil(() => rig.DpcRuns == 2, "the second DPC ran");
        var after = MonotonicClock.NowNs;

        var frames = rig.Frames;
        Assert.Equal([1, 2], frames.Select(f => f.Code)); // GPIO's codes: 1 rising, 2 falling
        Assert.Equal([1UL, 2UL], frames.Select(f => f.Sequence));
        Assert.All(frames, f => Assert.Equal(5, f.Line));
        Assert.All(frames, f => Assert.Equal(0UL, f.LineSequence)); // the driver gives none
        Assert.All(frames, f => Assert.InRange(f.TimestampNs, before, after));
        Assert.True(frames[0].TimestampNs <= frames[1].TimestampNs);
        Assert.Equal(2, source.Callbacks);
        Assert.Equal(2, source.Dispatched);
        Assert.Equal(0, source.LostInRing);
    }

    [Fact]
    public void Callbacks_MoreThanCapacityWaiting_ExcessCountedAsLostNothingSilent()
    {
        using var driver = new ManualDriver();
        using var controller = new GpioController(driver);
        using var source = new GpioControllerInterruptSource(controller, 3, Both, capacity: 4);

        for (var i = 0; i < 10; i++)
        {
            driver.Fire(3, i % 2 == 0 ? PinEventTypes.Rising : PinEventTypes.Falling);
        }

        // no ISR thread drains it: 4 wait, 6 are refused and counted
        Assert.Equal(10, source.Callbacks);
        Assert.Equal(6, source.LostInRing);
        Assert.Equal(0, source.Dispatched);
    }

    [Fact]
    public void Constructor_PinNotOpen_OpensItAsInputAndDisposeClosesIt()
    {
        using var driver = new ManualDriver();
        using var controller = new GpioController(driver);

        var source = new GpioControllerInterruptSource(controller, 7);
        Assert.True(controller.IsPinOpen(7));
        Assert.Equal(PinMode.Input, controller.GetPinMode(7));
        Assert.Equal(Both, driver.Registered(7));

        source.Dispose();
        Assert.False(controller.IsPinOpen(7));
        Assert.Equal(PinEventTypes.None, driver.Registered(7));
    }

    [Fact]
    public void Dispose_PinOpenedByCaller_LeavesItOpenAndStopsCallbacks()
    {
        using var driver = new ManualDriver();
        using var controller = new GpioController(driver);
        controller.OpenPin(8, PinMode.InputPullUp);

        new GpioControllerInterruptSource(controller, 8, PinEventTypes.Falling).Dispose();

        Assert.True(controller.IsPinOpen(8));
        Assert.Equal(PinMode.InputPullUp, controller.GetPinMode(8));
        Assert.Equal(PinEventTypes.None, driver.Registered(8));
    }

    [Fact]
    public void Constructor_NoEdges_ThrowsArgumentException()
    {
        using var driver = new ManualDriver();
        using var controller = new GpioController(driver);

        var ex = Assert.Throws<ArgumentException>(() => new GpioControllerInterruptSource(controller, 1, PinEventTypes.None));

        Assert.Contains("at least one edge", ex.Message, StringComparison.Ordinal);
        Assert.False(controller.IsPinOpen(1));
    }

    [Fact]
    public void Callbacks_FromDpcPiDriverOverFake_ReachTheIsrInOrder()
    {
        // Any GpioDriver will do, DpcPi's own included: the edges of a fake line reach a second kernel's DPCs.
        using var fake = new FakeRig();
        using var rig = new KernelRig();
        using var source = new GpioControllerInterruptSource(fake.Controller, 17, Both);
        rig.Connect(source);

        for (var i = 0; i < 20; i++)
        {
            fake.Set(17, i % 2 == 0 ? PinValue.High : PinValue.Low);
        }

        FakeRig.WaitUntil(() => rig.FrameCount == 20, "20 interrupts were dispatched");
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? 1 : 2), rig.Frames.Select(f => f.Code));
        Assert.Equal(20, source.Callbacks);
    }

    /// <summary>A DpcPi kernel whose ISR records the frames and queues a DpcForIsr that counts its runs.</summary>
    private sealed class KernelRig : IDisposable
    {
        private readonly EpollInterruptController _controller = new();
        private readonly DpcKernel _kernel = new(new KernelOptions { Realtime = false, Pin = false });
        private readonly List<InterruptFrame> _frames = [];
        private readonly DeviceObject _device;
        private GpioControllerInterruptSource? _source;
        private long _dpcRuns;

        public KernelRig()
        {
            _device = _kernel.CreateDevice("sdg", static (_, context, _, _) => Interlocked.Increment(ref ((KernelRig)((DeviceObject)context!).Extension!)._dpcRuns), this);
            _kernel.Start(_controller);
        }

        public long DpcRuns => Interlocked.Read(ref _dpcRuns);

        public int FrameCount
        {
            get
            {
                lock (_frames)
                {
                    return _frames.Count;
                }
            }
        }

        public IReadOnlyList<InterruptFrame> Frames
        {
            get
            {
                lock (_frames)
                {
                    return [.. _frames];
                }
            }
        }

        public void Connect(GpioControllerInterruptSource source)
        {
            _source = source;
            _kernel.ConnectInterrupt(40, (_, context, ref frame) =>
            {
                var rig = (KernelRig)context!;
                lock (rig._frames)
                {
                    rig._frames.Add(frame);
                }

                rig._device.RequestDpc();
                return true;
            }, this, source);
            _controller.Register(source.Handle, 40);
        }

        public void Dispose()
        {
            if (_source is not null)
            {
                _controller.Unregister(_source.Handle);
            }

            _kernel.Dispose();
            _controller.Dispose();
        }
    }

    /// <summary>A GpioDriver whose callbacks the test fires by hand, on the test's thread.</summary>
    private sealed class ManualDriver : GpioDriver
    {
        private readonly Dictionary<int, (PinEventTypes Types, PinChangeEventHandler? Handler)> _callbacks = [];
        private readonly Dictionary<int, PinMode> _modes = [];

        protected override int PinCount => 32;

        public PinEventTypes Registered(int pin) => _callbacks.TryGetValue(pin, out var c) && c.Handler is not null ? c.Types : PinEventTypes.None;

        public void Fire(int pin, PinEventTypes edge)
        {
            if (_callbacks.TryGetValue(pin, out var c) && (c.Types & edge) != 0)
            {
                c.Handler?.Invoke(this, new PinValueChangedEventArgs(edge, pin));
            }
        }

        protected override void OpenPin(int pinNumber) => _modes[pinNumber] = PinMode.Input;

        protected override void ClosePin(int pinNumber) => _modes.Remove(pinNumber);

        protected override void SetPinMode(int pinNumber, PinMode mode) => _modes[pinNumber] = mode;

        protected override PinMode GetPinMode(int pinNumber) => _modes[pinNumber];

        protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

        protected override PinValue Read(int pinNumber) => PinValue.Low;

        protected override void Write(int pinNumber, PinValue value)
        {
        }

        protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
            new() { EventTypes = PinEventTypes.None, TimedOut = true };

        protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
            _callbacks[pinNumber] = (eventTypes, callback);

        protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
            _callbacks.Remove(pinNumber);
    }
}
