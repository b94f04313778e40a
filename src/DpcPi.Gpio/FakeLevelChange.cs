namespace DpcPi.Gpio;

/// <summary>A physical level a simulated line takes at a timestamp.</summary>
public readonly record struct FakeLevelChange(long TimestampNs, PinValue Level);
