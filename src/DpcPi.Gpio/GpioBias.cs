namespace DpcPi.Gpio;

/// <summary>Line bias. <see cref="AsIs"/> leaves whatever the firmware or a previous user configured.</summary>
public enum GpioBias
{
    AsIs = 0,
    Disabled = 1,
    PullUp = 2,
    PullDown = 3,
}
