namespace DpcPi.Gpio;

/// <summary>A wire on the bench (a jumper or a breadboard link) between two endpoints, with a propagation delay for the fake backend.</summary>
public sealed record WiringConnection(WiringEndpoint From, WiringEndpoint To, long DelayNs);
