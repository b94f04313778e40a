namespace DpcPi.Gpio;

/// <summary>A GPIO a lab uses: its id, the spec as written (GPIO17, pin 11), the BCM number, and how DpcPi configures it.</summary>
public sealed record WiringPin(string Id, string Spec, int Gpio, PinMode Direction, GpioBias Bias, PinEventTypes Edges, string Description)
{
    /// <summary>The pin's number on the 40-pin header (the same on every supported board).</summary>
    public int PhysicalPin => BoardCatalog.Header.First(h => h.Kind == HeaderPinKind.Gpio && h.Gpio == Gpio).PhysicalPin;

    /// <summary>The header endpoint a wire reaches this pin at.</summary>
    public WiringEndpoint Endpoint => new(WiringEndpoint.Header, PhysicalPin.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
