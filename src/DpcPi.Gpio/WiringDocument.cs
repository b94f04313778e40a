namespace DpcPi.Gpio;

/// <summary>A lab's wiring (wiring/README.md): parts, GPIO pins with their role, and wires between pins.</summary>
public sealed record WiringDocument(
    string Name,
    string Description,
    IReadOnlyList<WiringPart> Parts,
    IReadOnlyList<WiringPin> Pins,
    IReadOnlyList<WiringWire> Wires)
{
    /// <summary>The pin with <paramref name="id"/>; throws <see cref="KeyNotFoundException"/> naming the ids.</summary>
    public WiringPin Pin(string id) =>
        Pins.FirstOrDefault(p => p.Id == id) ?? throw new KeyNotFoundException($"Wiring \"{Name}\" has no pin \"{id}\"; its pins are {string.Join(", ", Pins.Select(p => p.Id))}.");
}
