using DpcPi.Platform;

namespace DpcPi.Gpio.Tests;

/// <summary>Linux backend behaviour that needs no GPIO hardware (the rest runs in the gpio-sim contract).</summary>
public sealed class LinuxGpioBackendTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dpcpi-gpio-").FullName;

    [Fact]
    public void GetChips_NoGpioDevices_ReturnsEmpty() => Assert.Empty(new LinuxGpioBackend(_dir).GetChips());

    [Fact]
    public void GetChip_NoGpioDevices_SaysThereAreNone()
    {
        var ex = Assert.Throws<GpioException>(() => new LinuxGpioBackend(_dir).GetChip("pinctrl-rp1"));
        Assert.Equal(Errnos.ENOENT, ex.Errno);
        Assert.Equal($"GPIO chip \"pinctrl-rp1\" does not exist: there are no GPIO chips in {_dir} (not a Raspberry Pi, or gpio-sim not configured).", ex.Message);
    }

    [Fact]
    public void GetChip_RegularFileNamedLikeChip_ThrowsNotAGpioDevice()
    {
        File.WriteAllText(Path.Combine(_dir, "gpiochip0"), string.Empty);
        var ex = Assert.Throws<GpioException>(() => new LinuxGpioBackend(_dir).GetChip("gpiochip0"));
        Assert.Equal(Errnos.ENOTTY, ex.Errno);
        Assert.Contains("is not a GPIO character device", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestLines_InvalidSettings_ThrowsBeforeOpeningAnything()
    {
        var backend = new LinuxGpioBackend(_dir);
        var ex = Assert.Throws<ArgumentException>(() => backend.RequestLine("gpiochip0", 1, GpioLineSettings.Input() with { Drive = GpioDrive.OpenSource }));
        Assert.Equal("Line 1: Drive OpenSource needs an output line, but the line is configured as Input.", ex.Message);
    }

    [Fact]
    public void AccessError_Eacces_SuggestsGpioGroupAndPermissions()
    {
        var ex = LinuxGpioBackend.AccessError("/dev/gpiochip0", Errnos.EACCES);
        Assert.Equal(
            "Permission denied opening /dev/gpiochip0 (EACCES): add your user to the 'gpio' group (sudo usermod -aG gpio $USER, then log in again) or check the device's owner and mode with 'ls -l /dev/gpiochip0'.",
            ex.Message);
        Assert.Equal(Errnos.EACCES, ex.Errno);
    }

    [Fact]
    public void BusyError_NamedLine_NamesConsumer()
    {
        var chip = new GpioChipInfo("gpiochip0", "/dev/gpiochip0", "pinctrl-bcm2711", 58);
        Assert.Equal(
            "Line 17 (GPIO17) on gpiochip0 is busy: consumer \"pigpiod\" holds it; stop that program or choose another line.",
            GpioErrors.Busy(chip, 17, "GPIO17", "pigpiod").Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
