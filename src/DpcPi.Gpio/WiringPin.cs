namespace DpcPi.Gpio;

/// <summary>A GPIO a lab uses: its id, the spec as written (GPIO17, pin 11), the BCM number, and how DpcPi configures it.</summary>
public sealed record WiringPin(string Id, string Spec, int Gpio, PinMode Direction, GpioBias Bias, PinEventTypes Edges, string Description);
