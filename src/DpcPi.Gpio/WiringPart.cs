namespace DpcPi.Gpio;

/// <summary>A physical part of a lab (resistor, button, HC-SR04, ...); <paramref name="Ohms"/> is a resistor's value (0 for other kinds).</summary>
public sealed record WiringPart(string Id, string Kind, string Description, long Ohms = 0)
{
    /// <summary>The pins this kind of part has (wiring/README.md lists them).</summary>
    public IReadOnlyList<WiringPartPin> Pins => WiringPartKinds.PinsOf(Kind);
}
