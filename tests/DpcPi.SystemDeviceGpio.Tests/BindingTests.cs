using System.Device.Gpio;
using Iot.Device.Button;
using Iot.Device.RotaryEncoder;

namespace DpcPi.SystemDeviceGpio.Tests;

/// <summary>
/// Iot.Device.Bindings devices, unchanged, over <c>new GpioController(new DpcPiGpioDriver(...))</c>: on the fake
/// backend (<see cref="FakeBindingTests"/>) and on a gpio-sim chip of a real kernel (<see cref="GpioSimBindingTests"/>).
/// </summary>
public abstract class BindingTests
{
    /// <summary>A controller over DpcPi's driver and a way to move an input's physical level.</summary>
    protected interface IRig : IDisposable
    {
        GpioController Controller { get; }

        void Set(int pin, PinValue level);
    }

    protected abstract int ButtonPin { get; }

    protected abstract int EncoderPinA { get; }

    protected abstract int EncoderPinB { get; }

    protected abstract IRig CreateRig();

    [Fact]
    public void GpioButton_PressAndRelease_RaisesButtonDownButtonUpAndPress()
    {
        using var rig = CreateRig();
        rig.Set(ButtonPin, PinValue.High); // pulled up, not pressed
        using var button = new GpioButton(ButtonPin, isPullUp: true, hasExternalResistor: false, gpio: rig.Controller, shouldDispose: false);
        var events = new BlockingQueue<string>();
        button.ButtonDown += (_, _) => events.Add("down");
        button.ButtonUp += (_, _) => events.Add("up");
        button.Press += (_, _) => events.Add("press");

        rig.Set(ButtonPin, PinValue.Low);
        var afterPress = events.Take();
        var pressedWhileDown = button.IsPressed;
        rig.Set(ButtonPin, PinValue.High);

        Assert.Equal("down", afterPress);
        Assert.True(pressedWhileDown);
        Assert.Equal(["up", "press"], [events.Take(), events.Take()]);
        Assert.False(button.IsPressed);
    }

    [Fact]
    public void GpioButton_HeldLongerThanTheHoldingTime_RaisesHoldingStartedThenCompleted()
    {
        using var rig = CreateRig();
        rig.Set(ButtonPin, PinValue.High);
        using var button = new GpioButton(ButtonPin, doublePress: TimeSpan.FromSeconds(1.5), holding: TimeSpan.FromMilliseconds(200), isPullUp: true, gpio: rig.Controller, shouldDispose: false) { IsHoldingEnabled = true };
        var holding = new BlockingQueue<ButtonHoldingState>();
        button.Holding += (_, e) => holding.Add(e.HoldingState);

        rig.Set(ButtonPin, PinValue.Low);
        var started = holding.Take(); // the binding's own timer fires after its holding time
        rig.Set(ButtonPin, PinValue.High);

        Assert.Equal(ButtonHoldingState.Started, started);
        Assert.Equal(ButtonHoldingState.Completed, holding.Take());
    }

    [Fact]
    public void GpioButton_TwoQuickPresses_RaisesDoublePressOnce()
    {
        using var rig = CreateRig();
        rig.Set(ButtonPin, PinValue.High);

        // The binding times the double press by when its callbacks run (DateTime.UtcNow): the window is wide, so a
        // starved guest that delivers two quick presses' callbacks seconds apart still sees one double press.
        using var button = new GpioButton(ButtonPin, doublePress: TimeSpan.FromSeconds(10), holding: TimeSpan.FromSeconds(20), isPullUp: true, gpio: rig.Controller, shouldDispose: false) { IsDoublePressEnabled = true };
        var presses = new BlockingQueue<string>();
        var downs = new BlockingQueue<string>();
        button.ButtonDown += (_, _) => downs.Add("down");
        button.Press += (_, _) => presses.Add("press");
        button.DoublePress += (_, _) => presses.Add("double");

        for (var i = 0; i < 2; i++)
        {
            // A finger holds the button longer than the edge takes to arrive: release once the press was seen, or
            // gpio-sim may report both pull changes with the level it reads after them (two rising edges).
            rig.Set(ButtonPin, PinValue.Low);
            Assert.Equal("down", downs.Take());
            rig.Set(ButtonPin, PinValue.High);
            Assert.Equal("press", presses.Take());
        }

        Assert.Equal("double", presses.Take());
        Assert.False(presses.TryTake(TimeSpan.FromMilliseconds(200), out _));
    }

    [Theory]
    [InlineData(12, 5)]
    [InlineData(3, 9)]
    public void QuadratureRotaryEncoder_DetentsEachWay_CountsExactly(int clockwise, int counterClockwise)
    {
        var pinA = EncoderPinA;
        var pinB = EncoderPinB;
        using var rig = CreateRig();
        rig.Set(pinA, PinValue.High); // both phases rest high between detents
        rig.Set(pinB, PinValue.High);
        using var encoder = new QuadratureRotaryEncoder(pinA, pinB, PinEventTypes.Falling, 20, rig.Controller, shouldDispose: false);
        var counts = new BlockingQueue<double>();
        encoder.PulseCountChanged += (_, e) => counts.Add(e.Value);

        for (var i = 1; i <= clockwise; i++)
        {
            Detent(rig, pinA, pinB, clockwise: true);
            Assert.Equal(i, counts.Take());
            Rest(rig, pinA, pinB);
        }

        for (var i = 1; i <= counterClockwise; i++)
        {
            Detent(rig, pinA, pinB, clockwise: false);
            Assert.Equal(clockwise - i, counts.Take());
            Rest(rig, pinA, pinB);
        }

        Assert.Equal(clockwise - counterClockwise, encoder.PulseCount);
    }

    /// <summary>
    /// The first half of a detent at hand speed, up to A's falling edge (the edge the binding listens for).
    /// The binding reads both phases inside its callback, so they must still be where they were at that edge
    /// when the callback runs: clockwise B leads (B falls first, A == B when A falls), counter-clockwise A
    /// leads. The next detent comes more than the binding's 5 ms debounce after the last pulse.
    /// </summary>
    private static void Detent(IRig rig, int pinA, int pinB, bool clockwise)
    {
        Thread.Sleep(10); // hand speed: the binding ignores pulses within its Debounce (5 ms) of the last
        if (clockwise)
        {
            rig.Set(pinB, PinValue.Low);
            rig.Set(pinA, PinValue.Low);
        }
        else
        {
            rig.Set(pinA, PinValue.Low);
        }
    }

    /// <summary>The second half of the detent, after the binding reported the pulse: both phases back high.</summary>
    private static void Rest(IRig rig, int pinA, int pinB)
    {
        rig.Set(pinA, PinValue.High);
        rig.Set(pinB, PinValue.High);
    }
}

/// <summary>The bindings on DpcPi's fake backend.</summary>
public sealed class FakeBindingTests : BindingTests
{
    protected override int ButtonPin => 17;

    protected override int EncoderPinA => 23;

    protected override int EncoderPinB => 24;

    protected override IRig CreateRig() => new Rig();

    private sealed class Rig : IRig
    {
        private readonly FakeRig _rig = new();

        public GpioController Controller => _rig.Controller;

        public void Set(int pin, PinValue level) => _rig.Set(pin, level);

        public void Dispose() => _rig.Dispose();
    }
}

/// <summary>
/// The bindings on a gpio-sim chip of a real kernel (VM tier): DpcPi's driver over the uAPI v2 character device,
/// the button and encoder signals made through the simulator's pull files. Needs DPCPI_GPIOSIM_CHIP and
/// DPCPI_GPIOSIM_SYSFS (as the GPIO contract tests) and lines 1-3. The HC-SR04 needs an echo that answers its
/// trigger, which gpio-sim cannot produce: it runs on fake only.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class GpioSimBindingTests : BindingTests
{
    private static readonly string? s_chip = Environment.GetEnvironmentVariable("DPCPI_GPIOSIM_CHIP");
    private static readonly string? s_sysfs = Environment.GetEnvironmentVariable("DPCPI_GPIOSIM_SYSFS");

    public GpioSimBindingTests() =>
        Assert.SkipUnless(
            !string.IsNullOrEmpty(s_chip) && !string.IsNullOrEmpty(s_sysfs),
            "Kernel tier: set DPCPI_GPIOSIM_CHIP and DPCPI_GPIOSIM_SYSFS to run the bindings on a gpio-sim chip.");

    protected override int ButtonPin => 1;

    protected override int EncoderPinA => 2;

    protected override int EncoderPinB => 3;

    protected override IRig CreateRig() => new Rig();

    private sealed class Rig : IRig
    {
        private readonly DpcPiGpioDriver _driver;

        public Rig()
        {
            // Every line starts pulled low, whatever an earlier test left.
            for (var pin = 1; pin <= 3; pin++)
            {
                Set(pin, PinValue.Low);
            }

            _driver = DpcPiGpioDriver.ForChip(s_chip!, FakeRig.Options());
            Controller = new GpioController(_driver);
        }

        public GpioController Controller { get; }

        public void Set(int pin, PinValue level) =>
            File.WriteAllText(Path.Combine(s_sysfs!, "sim_gpio" + pin.ToString(System.Globalization.CultureInfo.InvariantCulture), "pull"), level == PinValue.High ? "pull-up" : "pull-down");

        public void Dispose()
        {
            Controller.Dispose();
            _driver.Dispose();
        }
    }
}
