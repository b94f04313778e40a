using System.Device.Gpio;
using Iot.Device.Button;
using Iot.Device.RotaryEncoder;

namespace DpcPi.SystemDeviceGpio.Tests;

/// <summary>Iot.Device.Bindings devices, unchanged, over <c>new GpioController(new DpcPiGpioDriver(fake, ...))</c>.</summary>
public sealed class BindingTests
{
    private const int ButtonPin = 17;

    [Fact]
    public void GpioButton_PressAndRelease_RaisesButtonDownButtonUpAndPress()
    {
        using var rig = new FakeRig();
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
        using var rig = new FakeRig();
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
        using var rig = new FakeRig();
        rig.Set(ButtonPin, PinValue.High);
        using var button = new GpioButton(ButtonPin, isPullUp: true, gpio: rig.Controller, shouldDispose: false) { IsDoublePressEnabled = true };
        var presses = new BlockingQueue<string>();
        button.Press += (_, _) => presses.Add("press");
        button.DoublePress += (_, _) => presses.Add("double");

        for (var i = 0; i < 2; i++)
        {
            rig.Set(ButtonPin, PinValue.Low);
            rig.Set(ButtonPin, PinValue.High);
        }

        Assert.Equal(["press", "press", "double"], [presses.Take(), presses.Take(), presses.Take()]);
        Assert.False(presses.TryTake(TimeSpan.FromMilliseconds(200), out _));
    }

    [Theory]
    [InlineData(12, 5)]
    [InlineData(3, 9)]
    public void QuadratureRotaryEncoder_DetentsEachWay_CountsExactly(int clockwise, int counterClockwise)
    {
        const int pinA = 23;
        const int pinB = 24;
        using var rig = new FakeRig();
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
    private static void Detent(FakeRig rig, int pinA, int pinB, bool clockwise)
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
    private static void Rest(FakeRig rig, int pinA, int pinB)
    {
        rig.Set(pinA, PinValue.High);
        rig.Set(pinB, PinValue.High);
    }
}
