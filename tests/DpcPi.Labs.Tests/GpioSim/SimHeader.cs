using System.Globalization;
using System.Text;

namespace DpcPi.Labs.Tests.GpioSim;

/// <summary>
/// A gpio-sim chip that looks like a Pi 4's header chip to the labs: labelled pinctrl-bcm2711 with its 58
/// lines, so a lab opens it through the board catalog (<c>--board pi4-b</c>) exactly as on a Pi. Made through
/// configfs in the VM tier (DPCPI_GPIOSIM_CONFIGFS), with dpcpi-labdev (DPCPI_LABDEV) playing the wiring's
/// jumpers and parts on it; elsewhere <see cref="Available"/> is false and the tests skip.
/// </summary>
public sealed class SimHeader : IDisposable
{
    public const string Label = "pinctrl-bcm2711";
    public const int Lines = 58;

    private readonly string? _dir;

    public SimHeader()
    {
        var configFs = Environment.GetEnvironmentVariable("DPCPI_GPIOSIM_CONFIGFS");
        LabDev = Environment.GetEnvironmentVariable("DPCPI_LABDEV");
        Available = !string.IsNullOrEmpty(configFs) && Directory.Exists(configFs) && File.Exists(LabDev);
        if (!Available)
        {
            return;
        }

        _dir = Path.Combine(configFs!, "dpcpi-header");
        Remove(_dir); // a run that died left it live
        var bank = Path.Combine(_dir, "bank0");
        Directory.CreateDirectory(_dir);
        Directory.CreateDirectory(bank);
        WriteAttribute(Path.Combine(bank, "num_lines"), Lines.ToString(CultureInfo.InvariantCulture));
        WriteAttribute(Path.Combine(bank, "label"), Label);
        WriteAttribute(Path.Combine(_dir, "live"), "1");
        var chip = File.ReadAllText(Path.Combine(bank, "chip_name")).Trim();
        Chip = "/dev/" + chip;
        Sysfs = $"/sys/devices/platform/{File.ReadAllText(Path.Combine(_dir, "dev_name")).Trim()}/{chip}";
    }

    public bool Available { get; }

    /// <summary>The dpcpi-labdev executable.</summary>
    public string? LabDev { get; }

    /// <summary>/dev/gpiochipN.</summary>
    public string Chip { get; } = string.Empty;

    /// <summary>The chip's sysfs directory (sim_gpioN/pull, sim_gpioN/value).</summary>
    public string Sysfs { get; } = string.Empty;

    public void Dispose()
    {
        if (_dir is not null)
        {
            Remove(_dir);
        }
    }

    private static void Remove(string dir)
    {
        var live = Path.Combine(dir, "live");
        if (File.Exists(live) && File.ReadAllText(live).Trim() == "1")
        {
            WriteAttribute(live, "0");
        }

        foreach (var d in new[] { Path.Combine(dir, "bank0"), dir })
        {
            if (Directory.Exists(d))
            {
                Directory.Delete(d);
            }
        }
    }

    // configfs and sysfs attributes take a write without O_TRUNC or O_CREAT.
    private static void WriteAttribute(string path, string value)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
        fs.Write(Encoding.ASCII.GetBytes(value));
    }
}
