using System.Globalization;
using DpcPi.Platform;

namespace DpcPi.Gpio.Tests;

/// <summary>
/// The backend contract against the real kernel, on a gpio-sim chip (VM tier). Set DPCPI_GPIOSIM_CHIP
/// (gpiochipN, /dev/gpiochipN or the chip label) and DPCPI_GPIOSIM_SYSFS (the chip's sysfs directory
/// holding sim_gpioN/pull, e.g. /sys/devices/platform/gpio-sim.0/gpiochip1). The chip needs 4+ lines.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class LinuxGpioBackendContractTests : GpioBackendContractTests
{
    private static readonly string? s_chip = Environment.GetEnvironmentVariable("DPCPI_GPIOSIM_CHIP");
    private static readonly string? s_sysfs = Environment.GetEnvironmentVariable("DPCPI_GPIOSIM_SYSFS");
    private readonly LinuxGpioBackend _backend = new();

    public LinuxGpioBackendContractTests() =>
        Assert.SkipUnless(
            !string.IsNullOrEmpty(s_chip) && !string.IsNullOrEmpty(s_sysfs),
            "Kernel tier: set DPCPI_GPIOSIM_CHIP (gpio-sim chip name, path or label) and DPCPI_GPIOSIM_SYSFS (its sysfs dir with sim_gpioN/pull) to run the GPIO contract against the real uAPI.");

    protected override IGpioBackend Backend => _backend;

    protected override string Chip => s_chip!;

    protected override void DriveInput(int offset, PinValue level) =>
        File.WriteAllText(
            Path.Combine(s_sysfs!, "sim_gpio" + offset.ToString(CultureInfo.InvariantCulture), "pull"),
            level == PinValue.High ? "pull-up" : "pull-down");

    protected override long NowNs() => MonotonicClock.NowNs;
}
