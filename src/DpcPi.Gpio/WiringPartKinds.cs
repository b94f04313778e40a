namespace DpcPi.Gpio;

/// <summary>The part kinds a wiring file may use and their pins (documented in wiring/README.md).</summary>
public static class WiringPartKinds
{
    private static readonly Dictionary<string, WiringPartPin[]> s_pins = new(StringComparer.Ordinal)
    {
        ["resistor"] = [new("1", "1", WiringPinRole.Passive), new("2", "2", WiringPinRole.Passive)],
        ["button"] = [new("1", "1", WiringPinRole.Passive), new("2", "2", WiringPinRole.Passive)],
        ["switch"] = [new("1", "1", WiringPinRole.Passive), new("2", "2", WiringPinRole.Passive)],
        ["led"] = [new("anode", "A (+)", WiringPinRole.Passive), new("cathode", "K (−)", WiringPinRole.Passive)],
        ["encoder"] = [new("a", "A (CLK)", WiringPinRole.Passive), new("c", "C (common)", WiringPinRole.Passive), new("b", "B (DT)", WiringPinRole.Passive)],
        ["hc-sr04"] = [new("vcc", "VCC", WiringPinRole.Power), new("trig", "TRIG", WiringPinRole.Input), new("echo", "ECHO", WiringPinRole.Output), new("gnd", "GND", WiringPinRole.Ground)],
        ["level-shifter"] =
        [
            new("lv", "LV", WiringPinRole.Power), new("lv1", "LV1", WiringPinRole.Bidirectional), new("lv2", "LV2", WiringPinRole.Bidirectional),
            new("hv", "HV", WiringPinRole.Power), new("hv1", "HV1", WiringPinRole.Bidirectional), new("hv2", "HV2", WiringPinRole.Bidirectional),
            new("gnd", "GND", WiringPinRole.Ground),
        ],
        ["signal-generator"] = [new("out", "OUT", WiringPinRole.Output), new("gnd", "GND", WiringPinRole.Ground)],
        ["logic-analyzer"] = [new("ch0", "CH0", WiringPinRole.Input), new("ch1", "CH1", WiringPinRole.Input), new("ch2", "CH2", WiringPinRole.Input), new("ch3", "CH3", WiringPinRole.Input), new("gnd", "GND", WiringPinRole.Ground)],
        ["other"] = [],
    };

    /// <summary>Every kind, in the order the README lists them.</summary>
    public static IReadOnlyList<string> All { get; } = [.. s_pins.Keys];

    /// <summary>The pins of <paramref name="kind"/>; none for an unknown kind.</summary>
    public static IReadOnlyList<WiringPartPin> PinsOf(string kind) => s_pins.TryGetValue(kind, out var pins) ? pins : [];

    /// <summary>
    /// A device uses the GPIO its signal pin is wired to (a button, an encoder, a sensor, an LED, a generator);
    /// resistors, level shifters and logic-analyzer probes share a net with a device without using the GPIO.
    /// </summary>
    public static bool IsDevice(string kind) => kind is "button" or "switch" or "led" or "encoder" or "hc-sr04" or "signal-generator" or "other";
}
