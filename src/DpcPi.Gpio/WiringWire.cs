namespace DpcPi.Gpio;

/// <summary>A wire from an output pin to an input pin, optionally through a part, with a propagation delay for the fake backend.</summary>
public sealed record WiringWire(string From, string To, string? Part, long DelayNs);
