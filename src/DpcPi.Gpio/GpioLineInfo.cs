namespace DpcPi.Gpio;

/// <summary>What the kernel reports about one line (GPIO_V2_GET_LINEINFO_IOCTL).</summary>
public sealed record GpioLineInfo(
    int Offset,
    string Name,
    string Consumer,
    bool IsUsed,
    PinMode Mode,
    PinEventTypes Edges,
    GpioBias Bias,
    GpioDrive Drive,
    bool ActiveLow,
    GpioEventClock EventClock,
    TimeSpan DebouncePeriod)
{
    public override string ToString() =>
        $"line {Offset} \"{Name}\" {(IsUsed ? $"used by \"{Consumer}\"" : "unused")} {Mode}" +
        (Edges != PinEventTypes.None ? $" edges={Edges}" : string.Empty) +
        (Bias != GpioBias.AsIs ? $" bias={Bias}" : string.Empty) +
        (Drive != GpioDrive.PushPull ? $" drive={Drive}" : string.Empty) +
        (ActiveLow ? " active-low" : string.Empty) +
        (DebouncePeriod > TimeSpan.Zero ? $" debounce={DebouncePeriod.TotalMicroseconds}us" : string.Empty);
}
