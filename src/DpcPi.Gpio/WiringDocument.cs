namespace DpcPi.Gpio;

/// <summary>
/// A lab's wiring (wiring/README.md): the parts, the GPIO pins DpcPi configures, the wires on the bench
/// (<see cref="Connections"/>), the nets they form, and the GPIO-to-GPIO copper paths the fake backend
/// simulates (<see cref="Wires"/>).
/// </summary>
public sealed record WiringDocument(
    string Name,
    string Description,
    IReadOnlyList<WiringPart> Parts,
    IReadOnlyList<WiringPin> Pins,
    IReadOnlyList<WiringConnection> Connections,
    IReadOnlyList<WiringNet> Nets,
    IReadOnlyList<WiringWire> Wires)
{
    /// <summary>The pin with <paramref name="id"/>; throws <see cref="KeyNotFoundException"/> naming the ids.</summary>
    public WiringPin Pin(string id) =>
        Pins.FirstOrDefault(p => p.Id == id) ?? throw new KeyNotFoundException($"Wiring \"{Name}\" has no pin \"{id}\"; its pins are {string.Join(", ", Pins.Select(p => p.Id))}.");

    /// <summary>The net holding <paramref name="endpoint"/>, or null when nothing is wired to it.</summary>
    public WiringNet? NetOf(WiringEndpoint endpoint) => Nets.FirstOrDefault(n => n.Endpoints.Contains(endpoint));
}
