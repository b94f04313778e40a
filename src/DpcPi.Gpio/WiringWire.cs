namespace DpcPi.Gpio;

/// <summary>
/// A copper path between two of the lab's GPIO pins (an output and an input in one net), derived from the
/// wiring's nets; the fake backend builds it as a virtual wire with <paramref name="DelayNs"/>.
/// </summary>
public sealed record WiringWire(string From, string To, long DelayNs);
