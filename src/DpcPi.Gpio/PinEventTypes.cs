namespace DpcPi.Gpio;

/// <summary>Edge kinds; the numeric values equal the kernel's event ids (1 rising, 2 falling).</summary>
[Flags]
public enum PinEventTypes
{
    None = 0,
    Rising = 1,
    Falling = 2,
}
