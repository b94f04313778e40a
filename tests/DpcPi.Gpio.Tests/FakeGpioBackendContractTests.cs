namespace DpcPi.Gpio.Tests;

/// <summary>The backend contract against the deterministic fake (manual clock: each drive advances 1 us).</summary>
public sealed class FakeGpioBackendContractTests : GpioBackendContractTests
{
    private readonly ManualClock _clock = new(1_000_000);
    private readonly FakeGpioBackend _backend;

    public FakeGpioBackendContractTests()
    {
        _backend = new FakeGpioBackend(_clock.Read);
        _backend.AddChip("gpiochip0", "pinctrl-bcm2711", 58);
        _backend.AddChip("gpiochip1", "raspberrypi-exp-gpio", 8);
    }

    protected override IGpioBackend Backend => _backend;

    protected override string Chip => "gpiochip0";

    protected override void DriveInput(int offset, PinValue level)
    {
        _clock.Advance(1000);
        _backend.SetInputLevel(Chip, offset, level);
    }

    protected override long NowNs() => _clock.NowNs;

    protected override bool ExactStimulus => true;
}
