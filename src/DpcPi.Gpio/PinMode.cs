namespace DpcPi.Gpio;

/// <summary>Line direction.</summary>
public enum PinMode
{
    Input = 0,
    Output = 1,
}
