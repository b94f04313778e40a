namespace DpcPi.Gpio;

/// <summary>A physical part of a lab (jumper, resistor, button, ...).</summary>
public sealed record WiringPart(string Id, string Kind, string Description);
