using System.Device.Gpio;
using Lines = DpcPi.Gpio;
using static DpcPi.Gpio.GpioBackendExtensions;

namespace DpcPi.SystemDeviceGpio.Tests;

/// <summary>The GpioDriver contract through an ordinary GpioController, on the fake backend.</summary>
public sealed class DriverContractTests
{
    [Fact]
    public void Constructor_UnknownChip_ThrowsNamingTheChipsThatExist()
    {
        var backend = new Lines.FakeGpioBackend();
        backend.AddChip("gpiochip0", "fake", 8);

        var ex = Assert.Throws<Lines.GpioException>(() => new DpcPiGpioDriver(backend, "gpiochip9", FakeRig.Options()));

        Assert.Contains("gpiochip9", ex.Message, StringComparison.Ordinal);
        Assert.Contains("gpiochip0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PinCount_FakeChip_IsItsLineCount()
    {
        using var rig = new FakeRig();

        Assert.Equal(54, rig.Controller.PinCount);
    }

    [Fact]
    public void OpenPin_UnknownPin_ThrowsArgumentExceptionNamingTheRange()
    {
        using var rig = new FakeRig();

        var ex = Assert.ThrowsAny<ArgumentException>(() => rig.Controller.OpenPin(54));

        Assert.Contains("Pin 54 does not exist", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0..53", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenPin_LineHeldByAnotherConsumer_ThrowsInvalidOperationNamingTheConsumer()
    {
        using var rig = new FakeRig();
        using var other = rig.Backend.RequestLine(FakeRig.Chip, 5, Lines.GpioLineSettings.Input(), consumer: "other-app");

        var ex = Assert.Throws<InvalidOperationException>(() => rig.Controller.OpenPin(5, PinMode.Input));

        Assert.Contains("already open", ex.Message, StringComparison.Ordinal);
        Assert.Contains("other-app", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenPin_PinOpenOnAnotherDriverOfTheSameChip_ThrowsAlreadyOpen()
    {
        using var rig = new FakeRig();
        using var second = new DpcPiGpioDriver(rig.Backend, FakeRig.Chip, FakeRig.Options());
        using var secondController = new GpioController(second);
        rig.Controller.OpenPin(6, PinMode.Input);

        var ex = Assert.Throws<InvalidOperationException>(() => secondController.OpenPin(6, PinMode.Input));

        Assert.Contains("Pin 6 is already open", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetPinMode_PullUpAndPullDown_MapToDpcPiBias()
    {
        using var rig = new FakeRig();
        rig.Controller.OpenPin(7, PinMode.InputPullUp);
        rig.Controller.OpenPin(8, PinMode.InputPullDown);

        Assert.Equal(Lines.GpioBias.PullUp, rig.LineInfo(7).Bias);
        Assert.Equal(Lines.GpioBias.PullDown, rig.LineInfo(8).Bias);
        Assert.Equal(PinMode.InputPullUp, rig.Controller.GetPinMode(7));
        Assert.Equal(PinMode.InputPullDown, rig.Controller.GetPinMode(8));
    }

    [Fact]
    public void SetPinMode_InputAfterPullUp_SwitchesThePullOff()
    {
        using var rig = new FakeRig();
        rig.Controller.OpenPin(9, PinMode.InputPullUp);

        rig.Controller.SetPinMode(9, PinMode.Input);

        Assert.Equal(Lines.GpioBias.Disabled, rig.LineInfo(9).Bias);
        Assert.Equal(PinMode.Input, rig.Controller.GetPinMode(9));
    }

    [Fact]
    public void OpenPin_PlainInput_LeavesTheBiasAsItIs()
    {
        using var rig = new FakeRig();

        rig.Controller.OpenPin(10, PinMode.Input);

        Assert.Equal(Lines.GpioBias.AsIs, rig.LineInfo(10).Bias);
        Assert.Equal(Lines.PinMode.Input, rig.LineInfo(10).Mode);
    }

    [Fact]
    public void IsPinModeSupported_DpcPiModes_TrueForTheFourAndFalseOtherwise()
    {
        using var rig = new FakeRig();

        Assert.True(rig.Controller.IsPinModeSupported(3, PinMode.Input));
        Assert.True(rig.Controller.IsPinModeSupported(3, PinMode.Output));
        Assert.True(rig.Controller.IsPinModeSupported(3, PinMode.InputPullUp));
        Assert.True(rig.Controller.IsPinModeSupported(3, PinMode.InputPullDown));
        Assert.False(rig.Controller.IsPinModeSupported(3, (PinMode)42));
    }

    [Fact]
    public void SetPinMode_UnsupportedMode_ThrowsInvalidOperation()
    {
        using var rig = new FakeRig();
        rig.Controller.OpenPin(11);

        var ex = Assert.Throws<InvalidOperationException>(() => rig.Controller.SetPinMode(11, (PinMode)42));

        Assert.Contains("42", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_OutputPin_DrivesTheLine()
    {
        using var rig = new FakeRig();
        rig.Controller.OpenPin(12, PinMode.Output);

        rig.Controller.Write(12, PinValue.High);
        var high = rig.Backend.GetPhysicalLevel(FakeRig.Chip, 12);
        rig.Controller.Write(12, PinValue.Low);

        Assert.Equal(Lines.PinValue.High, high);
        Assert.Equal(Lines.PinValue.Low, rig.Backend.GetPhysicalLevel(FakeRig.Chip, 12));
        Assert.Equal(Lines.PinMode.Output, rig.LineInfo(12).Mode);
    }

    [Fact]
    public void Read_InputPin_ReturnsTheLineLevel()
    {
        using var rig = new FakeRig();
        rig.Controller.OpenPin(13, PinMode.Input);

        rig.Set(13, PinValue.High);
        var high = rig.Controller.Read(13);
        rig.Set(13, PinValue.Low);

        Assert.Equal(PinValue.High, high);
        Assert.Equal(PinValue.Low, rig.Controller.Read(13));
    }

    [Fact]
    public void Toggle_OutputPin_InvertsTheLevel()
    {
        using var rig = new FakeRig();
        rig.Controller.OpenPin(14, PinMode.Output);

        rig.Controller.Toggle(14);
        var first = rig.Backend.GetPhysicalLevel(FakeRig.Chip, 14);
        rig.Controller.Toggle(14);

        Assert.Equal(Lines.PinValue.High, first);
        Assert.Equal(Lines.PinValue.Low, rig.Backend.GetPhysicalLevel(FakeRig.Chip, 14));
    }

    [Fact]
    public void ReadSpan_SeveralPins_ReadsEachLevel()
    {
        using var rig = new FakeRig();
        rig.Controller.OpenPin(15, PinMode.Input);
        rig.Controller.OpenPin(16, PinMode.Input);
        rig.Set(16, PinValue.High);
        Span<PinValuePair> pairs = [new PinValuePair(15, PinValue.High), new PinValuePair(16, PinValue.Low)];

        rig.Controller.Read(pairs);

        Assert.Equal(PinValue.Low, pairs[0].PinValue);
        Assert.Equal(PinValue.High, pairs[1].PinValue);
    }

    [Fact]
    public void OpenPinAsOutputHigh_LineAlreadyHigh_NeverShowsLow()
    {
        using var rig = new FakeRig();
        // A wire from pin 20 to pin 21, both high; a separate watcher counts every edge pin 21 sees.
        rig.Set(20, PinValue.High);
        rig.Set(21, PinValue.High);
        rig.Backend.AddWire(FakeRig.Chip, 20, FakeRig.Chip, 21);
        using var watcher = rig.Backend.RequestLine(FakeRig.Chip, 21, Lines.GpioLineSettings.Input(Lines.PinEventTypes.Rising | Lines.PinEventTypes.Falling));

        rig.Controller.OpenPin(20, PinMode.Output, PinValue.High);

        Assert.Equal(Lines.PinValue.High, rig.Backend.GetPhysicalLevel(FakeRig.Chip, 20));
        Assert.Equal(0, watcher.ReadEdgeEvents(new Lines.GpioEdgeEvent[8]));
    }

    [Fact]
    public void Dispose_PinsOpen_ReleasesEveryLine()
    {
        var rig = new FakeRig();
        rig.Controller.OpenPin(22, PinMode.Input);
        rig.Controller.OpenPin(23, PinMode.Output);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(22, PinEventTypes.Rising, (_, _) => { });
        Assert.True(rig.LineInfo(22).IsUsed);

        rig.Dispose();

        Assert.False(rig.LineInfo(22).IsUsed);
        Assert.False(rig.LineInfo(23).IsUsed);
        using var again = rig.Backend.RequestLine(FakeRig.Chip, 22, Lines.GpioLineSettings.Input());
    }

    [Fact]
    public void ClosePin_ThenReopen_SameInterruptObjectAndEdgesStillDelivered()
    {
        using var rig = new FakeRig();
        var log = new CallbackLog();
        rig.Controller.OpenPin(24, PinMode.Input);
        rig.Controller.ClosePin(24);
        Assert.False(rig.LineInfo(24).IsUsed);

        rig.Controller.OpenPin(24, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(24, PinEventTypes.Rising, log.Handler);
        rig.Edge(24, PinEventTypes.Rising, 1_000);

        Assert.Equal(1_000, log.WaitFor(1)[0].TimestampNs);
        Assert.Single(rig.Driver.Kernel.Interrupts); // open/close cycles do not grow the kernel's tables
    }
}
