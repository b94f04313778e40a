using System.Globalization;
using DpcPi.Gpio;
using DpcPi.Platform;

namespace DpcPi.Labs.Framework;

/// <summary>
/// Where a lab's lines are on this Pi: the lab's wiring file names the pins (BCM GPIO numbers, which are
/// the line offsets of the header's chip on every supported board, the Pi 5's RP1 included), the board
/// catalog names the chip by its label (pinctrl-bcm2711, pinctrl-rp1, ...), and the backend opens it.
/// </summary>
public sealed class LabPins
{
    private LabPins(WiringDocument wiring, string wiringFile, BoardInfo? board, GpioChipInfo chip)
    {
        Wiring = wiring;
        WiringFile = wiringFile;
        Board = board;
        Chip = chip;
    }

    public WiringDocument Wiring { get; }

    public string WiringFile { get; }

    /// <summary>The board from the catalog; null when the chip was named explicitly and no board was.</summary>
    public BoardInfo? Board { get; }

    public GpioChipInfo Chip { get; }

    /// <summary>
    /// Opens the chip: <paramref name="chip"/> when given, else <paramref name="board"/>'s header chip (by label).
    /// A missing chip or a pin beyond it throws <see cref="GpioException"/> with one sentence.
    /// </summary>
    public static LabPins Resolve(IGpioBackend backend, WiringDocument wiring, string wiringFile, BoardInfo? board, string? chip)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(wiring);
        var name = chip ?? board?.ChipLabel ?? throw new ArgumentException("name the board or the chip", nameof(board));
        var info = backend.GetChip(name);
        foreach (var pin in wiring.Pins)
        {
            if (pin.Gpio >= info.LineCount)
            {
                throw new GpioException(string.Create(CultureInfo.InvariantCulture, $"{info.Name} [{info.Label}] has {info.LineCount} lines, so it has no GPIO{pin.Gpio} for pin \"{pin.Id}\" of {wiringFile}; is it the header's chip{(board is null ? string.Empty : $" ({board.ChipLabel} on a {board.DisplayName})")}?"), Errnos.EINVAL);
            }
        }

        return new LabPins(wiring, wiringFile, board, info);
    }

    /// <summary>The line offset of the wiring's pin <paramref name="id"/>; a wiring file without it is a <see cref="WiringException"/>.</summary>
    public int Line(string id) =>
        Wiring.Pins.FirstOrDefault(p => p.Id == id)?.Gpio
        ?? throw new WiringException($"{WiringFile}: the {Wiring.Name} lab needs a pin \"{id}\"; the file declares {string.Join(", ", Wiring.Pins.Select(p => p.Id))}.");

    /// <summary>"GPIO17 (pin 11) on gpiochip0 [pinctrl-bcm2711]" for the pin <paramref name="id"/>.</summary>
    public string Describe(string id)
    {
        var pin = Wiring.Pin(id);
        return string.Create(CultureInfo.InvariantCulture, $"GPIO{pin.Gpio} (pin {pin.PhysicalPin}) on {Chip.Name} [{Chip.Label}]");
    }
}
