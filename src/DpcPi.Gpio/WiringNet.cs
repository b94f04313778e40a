namespace DpcPi.Gpio;

/// <summary>What a net carries: a supply, ground, or a signal.</summary>
public enum WiringNetKind
{
    Signal,
    Power3V3,
    Power5V,
    Ground,
}

/// <summary>Endpoints joined by wires (copper): one node of the circuit. <see cref="Name"/> is the supply, the GPIO pin id, or its first endpoint.</summary>
public sealed record WiringNet(string Name, WiringNetKind Kind, IReadOnlyList<WiringEndpoint> Endpoints);
