namespace DpcPi.Gpio;

/// <summary>A logical line level (active-low lines report the inverse of the physical level).</summary>
public enum PinValue
{
    Low = 0,
    High = 1,
}
