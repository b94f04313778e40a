namespace DpcPi.Gpio;

/// <summary>
/// A board: how its device-tree model string starts, the label of the chip carrying the header GPIOs
/// (stable, unlike gpiochip numbers), the chip's line count and the 40-pin header map.
/// </summary>
public sealed record BoardInfo(
    RaspberryPiModel Model,
    string DisplayName,
    string ModelPrefix,
    string ChipLabel,
    int ChipLineCount,
    string ChipNameNote,
    IReadOnlyList<HeaderPin> Header)
{
    /// <summary>The header pin with physical number <paramref name="physicalPin"/>, or null.</summary>
    public HeaderPin? GetPhysicalPin(int physicalPin) => physicalPin >= 1 && physicalPin <= Header.Count ? Header[physicalPin - 1] : null;

    /// <summary>The header pin carrying BCM GPIO <paramref name="gpio"/>, or null when it is not on the header.</summary>
    public HeaderPin? GetGpioPin(int gpio) => Header.FirstOrDefault(p => p.Kind == HeaderPinKind.Gpio && p.Gpio == gpio);

    public override string ToString() => DisplayName;
}
