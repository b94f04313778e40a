namespace DpcPi.Gpio;

/// <summary>One pin of the 40-pin header: physical number, kind, BCM GPIO number (-1 for power and ground) and label.</summary>
public sealed record HeaderPin(int PhysicalPin, HeaderPinKind Kind, int Gpio, string Label);
