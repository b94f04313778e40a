using System.Device.Gpio;
using DpcPi.Kernel;
using DpcPi.SystemDeviceGpio;
using Lines = DpcPi.Gpio;

namespace DpcPi.Labs.Bindings;

/// <summary>
/// A System.Device.Gpio <see cref="GpioController"/> over DpcPi's driver, as a .NET IoT user would build it: on the
/// fake backend (whose input levels the lab moves in real time, as a button or a sensor would) or on a real chip.
/// </summary>
public sealed class BesideRig : IDisposable
{
    /// <summary>The fake chip's name: 54 lines numbered as a Pi's BCM GPIOs.</summary>
    public const string FakeChip = "gpiochip0";

    private BesideRig(DpcPiGpioDriver driver, Lines.FakeGpioBackend? fake)
    {
        Driver = driver;
        Fake = fake;
        Controller = new GpioController(driver);
    }

    public DpcPiGpioDriver Driver { get; }

    public GpioController Controller { get; }

    /// <summary>The fake backend, or null on a real chip.</summary>
    public Lines.FakeGpioBackend? Fake { get; }

    /// <summary>A fake 54-line chip. <paramref name="realtime"/>: the driver's kernel threads ask for SCHED_FIFO (falling back when refused).</summary>
    public static BesideRig OnFake(bool realtime)
    {
        var backend = new Lines.FakeGpioBackend();
        backend.AddChip(FakeChip, "fake-bcm2711", 54);
        return new BesideRig(new DpcPiGpioDriver(backend, FakeChip, Options(realtime)), backend);
    }

    /// <summary>A real chip (name, /dev path or label): a Pi's header chip, or a gpio-sim chip.</summary>
    public static BesideRig OnChip(string chip, bool realtime) => new(DpcPiGpioDriver.ForChip(chip, Options(realtime)), null);

    /// <summary>Fake only: moves an input line's physical level now (its edge is stamped with the fake's monotonic clock).</summary>
    public void Set(int line, bool high) =>
        (Fake ?? throw new InvalidOperationException("Only a fake chip's levels can be set."))
            .SetInputLevel(FakeChip, line, high ? Lines.PinValue.High : Lines.PinValue.Low);

    public void Dispose()
    {
        Controller.Dispose();
        Driver.Dispose();
    }

    private static DpcPiGpioDriverOptions Options(bool realtime)
    {
        var kernel = DpcPiGpioDriverOptions.DefaultKernel();
        kernel.Realtime = realtime;
        return new DpcPiGpioDriverOptions { Consumer = "dpcpi-lab-bindings", Kernel = kernel };
    }
}
