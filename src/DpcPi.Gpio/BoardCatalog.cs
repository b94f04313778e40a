using System.Globalization;
using System.Text.RegularExpressions;
using DpcPi.Platform;

namespace DpcPi.Gpio;

/// <summary>
/// The boards DpcPi knows (documented in hardware/README.md), device-tree detection, and the pin
/// resolver: "GPIO17", "BCM17", "pin 11", "P1-11" or "J8-11" to (chip label, offset).
/// </summary>
public static partial class BoardCatalog
{
    public const string Bcm2835Label = "pinctrl-bcm2835";
    public const string Bcm2711Label = "pinctrl-bcm2711";
    public const string Rp1Label = "pinctrl-rp1";

    /// <summary>Where the device-tree model string is read from, in order.</summary>
    public static readonly IReadOnlyList<string> ModelPaths = ["/proc/device-tree/model", "/sys/firmware/devicetree/base/model"];

    private static readonly HeaderPin[] s_header = BuildHeader();

    public static IReadOnlyList<HeaderPin> Header => s_header;

    public static IReadOnlyList<BoardInfo> All { get; } =
    [
        new(RaspberryPiModel.Pi3B, "Raspberry Pi 3 Model B", "Raspberry Pi 3 Model B Rev", Bcm2835Label, 54, "gpiochip0", s_header),
        new(RaspberryPiModel.Pi3BPlus, "Raspberry Pi 3 Model B+", "Raspberry Pi 3 Model B Plus", Bcm2835Label, 54, "gpiochip0", s_header),
        new(RaspberryPiModel.Pi4B, "Raspberry Pi 4 Model B", "Raspberry Pi 4 Model B", Bcm2711Label, 58, "gpiochip0", s_header),
        new(RaspberryPiModel.Pi400, "Raspberry Pi 400", "Raspberry Pi 400", Bcm2711Label, 58, "gpiochip0", s_header),
        new(RaspberryPiModel.Pi5, "Raspberry Pi 5", "Raspberry Pi 5", Rp1Label, 54, "gpiochip0 since Raspberry Pi kernel 6.6.45 (raspberrypi/linux#6144); gpiochip4 on older kernels: open it by label", s_header),
        new(RaspberryPiModel.Zero2W, "Raspberry Pi Zero 2 W", "Raspberry Pi Zero 2 W", Bcm2835Label, 54, "gpiochip0", s_header),
        new(RaspberryPiModel.ComputeModule4, "Raspberry Pi Compute Module 4 (IO board header)", "Raspberry Pi Compute Module 4", Bcm2711Label, 58, "gpiochip0", s_header),
    ];

    public static BoardInfo Get(RaspberryPiModel model) => All.First(b => b.Model == model);

    /// <summary>The board whose model string starts <paramref name="modelString"/> (trailing NULs ignored), or null.</summary>
    public static BoardInfo? FromModelString(string modelString)
    {
        ArgumentNullException.ThrowIfNull(modelString);
        var model = modelString.TrimEnd('\0', '\n', ' ');

        // Longest prefix wins: "Raspberry Pi 400" before "Raspberry Pi 4 Model B", "3 Model B Plus" before "3 Model B Rev".
        return All.Where(b => model.StartsWith(b.ModelPrefix, StringComparison.Ordinal))
            .OrderByDescending(b => b.ModelPrefix.Length)
            .FirstOrDefault();
    }

    /// <summary>
    /// Detects the board from the device-tree model string. <paramref name="readFile"/> returns a file's
    /// content or null when it is absent (injectable for tests; default reads the real files).
    /// </summary>
    public static BoardInfo Detect(Func<string, string?>? readFile = null)
    {
        readFile ??= static path => File.Exists(path) ? File.ReadAllText(path) : null;
        foreach (var path in ModelPaths)
        {
            var text = readFile(path);
            if (text is null)
            {
                continue;
            }

            return FromModelString(text)
                ?? throw new GpioException($"Unknown board \"{text.TrimEnd('\0', '\n')}\" (from {path}); DpcPi knows {string.Join(", ", All.Select(b => b.DisplayName))}.", Errnos.ENODEV);
        }

        throw new GpioException($"Cannot detect the board: neither {string.Join(" nor ", ModelPaths)} exists (not a device-tree system); name the board explicitly.", Errnos.ENOENT);
    }

    /// <summary>
    /// Resolves "GPIO17", "BCM17", "pin 11", "P1-11", "J8-11" or "physical 11" (case-insensitive) on
    /// <paramref name="board"/>. Throws <see cref="ArgumentException"/> with one sentence (for example
    /// "pin 2 is 5V power, not a GPIO.").
    /// </summary>
    public static GpioPinAddress Resolve(BoardInfo board, string spec)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(spec);
        var text = spec.Trim();
        var m = BcmPattern().Match(text);
        if (m.Success)
        {
            var gpio = ParseNumber(m.Groups[1].Value, spec);
            if (gpio >= board.ChipLineCount)
            {
                throw new ArgumentException($"\"{spec}\": GPIO{gpio} does not exist on the {board.DisplayName} ({board.ChipLabel} has GPIO0..GPIO{board.ChipLineCount - 1}; the header has GPIO0..GPIO27).");
            }

            var pin = board.GetGpioPin(gpio);
            return new GpioPinAddress(board.ChipLabel, gpio, pin?.PhysicalPin ?? 0, "GPIO" + gpio.ToString(CultureInfo.InvariantCulture));
        }

        m = PhysicalPattern().Match(text);
        if (m.Success)
        {
            var physical = ParseNumber(m.Groups[1].Value, spec);
            var pin = board.GetPhysicalPin(physical)
                ?? throw new ArgumentException($"\"{spec}\": pin {physical} does not exist; the header has pins 1..{board.Header.Count}.");
            return pin.Kind switch
            {
                HeaderPinKind.Gpio => new GpioPinAddress(board.ChipLabel, pin.Gpio, pin.PhysicalPin, "GPIO" + pin.Gpio.ToString(CultureInfo.InvariantCulture)),
                HeaderPinKind.Ground => throw new ArgumentException($"\"{spec}\": pin {physical} is ground (GND), not a GPIO."),
                HeaderPinKind.Power5V => throw new ArgumentException($"\"{spec}\": pin {physical} is 5V power, not a GPIO."),
                _ => throw new ArgumentException($"\"{spec}\": pin {physical} is 3.3V power, not a GPIO."),
            };
        }

        if (text.Length > 0 && text.All(char.IsAsciiDigit))
        {
            throw new ArgumentException($"\"{spec}\" is ambiguous: write GPIO{text} for the BCM number or pin {text} for the physical header pin.");
        }

        throw new ArgumentException($"\"{spec}\" is not a pin name: write GPIO17 or BCM17 (BCM numbering), or pin 11, P1-11 or J8-11 (physical header pin).");
    }

    private static int ParseNumber(string digits, string spec) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new ArgumentException($"\"{spec}\": the number is too large.");

    private static HeaderPin[] BuildHeader()
    {
        // Physical pin -> BCM GPIO; 0 = 3V3, -5 = 5V, -1 = GND. Identical on every 40-pin model.
        int[] map =
        [
            0, -5, 2, -5, 3, -1, 4, 14, -1, 15,
            17, 18, 27, -1, 22, 23, 0, 24, 10, -1,
            9, 25, 11, 8, -1, 7, 0, 1, 5, -1,
            6, 12, 13, -1, 19, 16, 26, 20, -1, 21,
        ];

        var pins = new HeaderPin[40];
        for (var i = 0; i < 40; i++)
        {
            var physical = i + 1;
            var v = map[i];
            pins[i] = physical is 1 or 17 ? new HeaderPin(physical, HeaderPinKind.Power3V3, -1, "3V3")
                : v == -5 ? new HeaderPin(physical, HeaderPinKind.Power5V, -1, "5V")
                : v == -1 ? new HeaderPin(physical, HeaderPinKind.Ground, -1, "GND")
                : new HeaderPin(physical, HeaderPinKind.Gpio, v, physical switch
                {
                    27 => "GPIO0 (ID_SD, HAT EEPROM)",
                    28 => "GPIO1 (ID_SC, HAT EEPROM)",
                    _ => "GPIO" + v.ToString(CultureInfo.InvariantCulture),
                });
        }

        return pins;
    }

    [GeneratedRegex(@"^(?:GPIO|BCM)\s*[-_]?\s*(\d+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BcmPattern();

    [GeneratedRegex(@"^(?:pin|physical|board|P1|J8)\s*[-_:]?\s*(\d+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PhysicalPattern();
}
