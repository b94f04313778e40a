using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Globalization;
using DpcPi.Gpio;
using DpcPi.Measurement;
using DpcPi.SystemDeviceGpio;

namespace DpcPi.Cli.Commands;

/// <summary>
/// `--source sdg --sdg-driver NAME`: the latency run over a System.Device.Gpio driver the user keeps. The driver's
/// pin-change callbacks become the interrupts (<see cref="GpioControllerInterruptSource"/>); the wired line and the
/// stimulus are the gpio source's.
/// </summary>
internal static class SdgSource
{
    public static void Configure(LatencySessionOptions options, SdgDriver driver)
    {
        options.CallbackSourceName = driver switch
        {
            SdgDriver.Libgpiod => "LibGpiodDriver",
            SdgDriver.Sysfs => "SysFsDriver",
            _ => "DpcPiGpioDriver",
        };
        var chip = options.Chip;
        var line = options.InputLine;
        options.CallbackSource = () =>
        {
            var (gpioDriver, pin) = Create(driver, chip, line);
            try
            {
                return new GpioControllerInterruptSource(new GpioController(gpioDriver), pin, ownsController: true);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                // System.Device.Gpio's own words (a busy line, no permission), as one line
                throw new GpioException($"--sdg-driver {driver.ToString().ToLowerInvariant()}: line {line} of {chip}: {ex.Message}", ex);
            }
        };
    }

    private static (GpioDriver Driver, int Pin) Create(SdgDriver driver, string chip, int line)
    {
        var info = new LinuxGpioBackend().GetChip(chip); // names the chips that exist when it does not
        try
        {
            return driver switch
            {
                SdgDriver.Libgpiod => (new LibGpiodDriver(int.Parse(info.Name.AsSpan("gpiochip".Length), NumberStyles.None, CultureInfo.InvariantCulture)), line),
                SdgDriver.Sysfs => (new SysFsDriver(), SysFsPin(info, line)),
                _ => (DpcPiGpioDriver.ForChip(info.Path), line),
            };
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            throw new GpioException($"--sdg-driver libgpiod: System.Device.Gpio could not load libgpiod ({ex.GetBaseException().Message}); install it (apt-get install libgpiod2)", ex);
        }
    }

    // SysFsDriver numbers pins globally (the chip's base + offset) unless the chip's label starts with "pinctrl"
    // (a Pi's own chip), where it adds the base itself.
    private static int SysFsPin(DpcPi.Gpio.GpioChipInfo chip, int line)
    {
        if (chip.Label.StartsWith("pinctrl", StringComparison.Ordinal))
        {
            return line;
        }

        foreach (var dir in Directory.Exists("/sys/class/gpio") ? Directory.GetDirectories("/sys/class/gpio", "gpiochip*") : [])
        {
            if (File.ReadAllText(Path.Combine(dir, "label")).Trim() == chip.Label)
            {
                return int.Parse(File.ReadAllText(Path.Combine(dir, "base")).Trim(), CultureInfo.InvariantCulture) + line;
            }
        }

        throw new GpioException($"--sdg-driver sysfs: {chip.Name} ({chip.Label}) is not in /sys/class/gpio (a kernel without CONFIG_GPIO_SYSFS?)");
    }
}

/// <summary>The System.Device.Gpio drivers `--source sdg` can run over.</summary>
internal enum SdgDriver
{
    /// <summary>LibGpiodDriver (libgpiod v1, libgpiod.so.2): what a Pi user's GpioController picks.</summary>
    Libgpiod,

    /// <summary>SysFsDriver (/sys/class/gpio).</summary>
    Sysfs,

    /// <summary>DpcPi's own GpioDriver, as any other driver (its callbacks, then a second DPC kernel).</summary>
    Dpcpi,
}
