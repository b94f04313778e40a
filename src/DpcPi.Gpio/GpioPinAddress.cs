namespace DpcPi.Gpio;

/// <summary>
/// A resolved GPIO: the chip label to open (resolve it with <see cref="IGpioBackend.GetChip"/>), the line
/// offset, the header pin (0 when the line is not on the header) and the canonical name (GPIO17).
/// </summary>
public sealed record GpioPinAddress(string ChipLabel, int Offset, int PhysicalPin, string Name);
