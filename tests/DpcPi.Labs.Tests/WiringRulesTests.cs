using DpcPi.Gpio;
using DpcPi.Labs.Framework;

namespace DpcPi.Labs.Tests;

/// <summary>The electrical rules `dpcpi wiring check` applies (WiringLoader runs them on every load).</summary>
public sealed class WiringRulesTests
{
    // The ultrasonic lab as committed, with {WIRES} and {PARTS} to vary.
    private const string Sensor = """
        {
          "format": "dpcpi-wiring/2",
          "name": "t",
          "parts": [
            { "id": "us1", "kind": "hc-sr04" },
            { "id": "r1", "kind": "resistor", "ohms": 1000 },
            { "id": "r2", "kind": "resistor", "ohms": {R2} }
          ],
          "pins": [
            { "id": "trig", "gpio": "GPIO23", "direction": "output" },
            { "id": "echo", "gpio": "GPIO24", "direction": "input", "edges": "both" }
          ],
          "wires": [ {WIRES} ]
        }
        """;

    private const string Divider = """
        { "from": "pi.2", "to": "us1.vcc" }, { "from": "pi.6", "to": "us1.gnd" }, { "from": "trig", "to": "us1.trig" },
        { "from": "us1.echo", "to": "r1.1" }, { "from": "r1.2", "to": "r2.1" }, { "from": "r1.2", "to": "echo" }, { "from": "r2.2", "to": "pi.20" }
        """;

    private static WiringDocument Parse(string wires, int r2 = 2000) =>
        WiringLoader.Parse(Sensor.Replace("{WIRES}", wires, StringComparison.Ordinal).Replace("{R2}", r2.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), "t.json");

    private static string Rejection(string json)
    {
        var ex = Assert.Throws<WiringException>(() => WiringLoader.Parse(json, "t.json"));
        Assert.DoesNotContain('\n', ex.Message);
        return ex.Message;
    }

    private static string Rejection(string wires, int r2) => Rejection(Sensor.Replace("{WIRES}", wires, StringComparison.Ordinal).Replace("{R2}", r2.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

    private static string TwoPins(string pins, string wires, string parts = "") =>
        "{ \"format\": \"dpcpi-wiring/2\", \"name\": \"t\", \"parts\": [" + parts + "], \"pins\": [" + pins + "], \"wires\": [" + wires + "] }";

    [Fact]
    public void Parse_EchoThroughOneKTwoKDivider_IsAcceptedWithFiveNets()
    {
        var w = Parse(Divider);

        Assert.Equal(new[] { "5V", "GND", "trig", "us1.echo", "echo" }, w.Nets.Select(n => n.Name));
        Assert.Equal(
            new[] { new WiringEndpoint("r1", "2"), new WiringEndpoint("r2", "1"), new WiringEndpoint("pi", "18") },
            w.Nets.Single(n => n.Name == "echo").Endpoints);
        Assert.Empty(w.Wires); // TRIG and ECHO are joined by the sensor, not by copper
    }

    [Fact]
    public void Parse_EchoStraightIntoGpio_RejectsNamingSensorPinAndGpio()
    {
        var wires = Divider.Replace("{ \"from\": \"us1.echo\", \"to\": \"r1.1\" }", "{ \"from\": \"us1.echo\", \"to\": \"echo\" }", StringComparison.Ordinal);

        Assert.Equal(
            "t.json: $.wires: 5 V signal us1.echo (hc-sr04) reaches echo (pi.18, GPIO24) directly, without a divider or level shifter; a GPIO takes at most 3.3 V.",
            Rejection(wires, 2000));
    }

    [Fact]
    public void Parse_EchoThroughSeriesResistorWithoutTheLegToGround_RejectsAtFiveVolts()
    {
        var wires = Divider.Replace(", { \"from\": \"r2.2\", \"to\": \"pi.20\" }", string.Empty, StringComparison.Ordinal);

        Assert.Equal(
            "t.json: $.wires: 5 V signal us1.echo (hc-sr04) reaches echo (pi.18, GPIO24) through r1 (1 kΩ) at 5.00 V: no resistor from it to GND divides it; a GPIO takes at most 3.3 V (e.g. 1 kΩ in series, 2 kΩ to GND).",
            Rejection(wires, 2000));
    }

    [Fact]
    public void Parse_DividerTooWeak_RejectsWithTheVoltage()
    {
        // 1 kΩ over 10 kΩ leaves 4.55 V on the GPIO.
        Assert.Equal(
            "t.json: $.wires: 5 V signal us1.echo (hc-sr04) reaches echo (pi.18, GPIO24) through r1 (1 kΩ) at 4.55 V: the divider is too weak; a GPIO takes at most 3.3 V (e.g. 1 kΩ in series, 2 kΩ to GND).",
            Rejection(Divider, 10_000));
    }

    [Fact]
    public void Parse_SensorOnThreeVolts_EchoMayGoStraightIn()
    {
        var wires = Divider.Replace("{ \"from\": \"pi.2\", \"to\": \"us1.vcc\" }", "{ \"from\": \"pi.1\", \"to\": \"us1.vcc\" }", StringComparison.Ordinal)
            .Replace("{ \"from\": \"us1.echo\", \"to\": \"r1.1\" }", "{ \"from\": \"us1.echo\", \"to\": \"echo\" }", StringComparison.Ordinal);

        Assert.Contains(Parse(wires).Nets, n => n.Name == "echo" && n.Endpoints.Contains(new WiringEndpoint("us1", "echo")));
    }

    [Fact]
    public void Parse_EchoThroughLevelShifter_IsAccepted()
    {
        var json = TwoPins(
            "{ \"id\": \"echo\", \"gpio\": \"GPIO24\", \"direction\": \"input\", \"edges\": \"both\" }",
            "{ \"from\": \"pi.2\", \"to\": \"us1.vcc\" }, { \"from\": \"pi.6\", \"to\": \"us1.gnd\" }, { \"from\": \"pi.4\", \"to\": \"ls.hv\" }, { \"from\": \"pi.1\", \"to\": \"ls.lv\" }, { \"from\": \"pi.9\", \"to\": \"ls.gnd\" }, { \"from\": \"us1.echo\", \"to\": \"ls.hv1\" }, { \"from\": \"ls.lv1\", \"to\": \"echo\" }",
            "{ \"id\": \"us1\", \"kind\": \"hc-sr04\" }, { \"id\": \"ls\", \"kind\": \"level-shifter\" }");

        Assert.Equal(new[] { "5V", "GND", "3V3", "us1.echo", "echo" }, WiringLoader.Parse(json, "t.json").Nets.Select(n => n.Name));
    }

    [Fact]
    public void Parse_TwoOutputsOnOneNet_RejectsNamingBothPins()
    {
        var json = TwoPins(
            "{ \"id\": \"a\", \"gpio\": \"GPIO17\", \"direction\": \"output\" }, { \"id\": \"b\", \"gpio\": \"GPIO27\", \"direction\": \"output\" }, { \"id\": \"c\", \"gpio\": \"GPIO22\", \"direction\": \"input\" }",
            "{ \"from\": \"a\", \"to\": \"c\" }, { \"from\": \"b\", \"to\": \"c\" }");

        Assert.Equal("t.json: $.wires: two outputs drive one net: a (pi.11, GPIO17) output and b (pi.13, GPIO27) output; a net takes one driver.", Rejection(json));
    }

    [Fact]
    public void Parse_GpioOutputAndSensorOutputOnOneNet_RejectsNamingThePart()
    {
        var wires = Divider.Replace("{ \"from\": \"trig\", \"to\": \"us1.trig\" }", "{ \"from\": \"trig\", \"to\": \"us1.echo\" }", StringComparison.Ordinal);

        Assert.StartsWith("t.json: $.wires: two outputs drive one net: trig (pi.16, GPIO23) output and us1.echo (hc-sr04 output)", Rejection(wires, 2000), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pi.9", "GND (pi.9)")]
    [InlineData("pi.1", "3V3 (pi.1)")]
    [InlineData("pi.4", "5V (pi.4)")]
    public void Parse_GpioWiredToSupplyOrGround_RejectsAsShort(string supply, string named)
    {
        var json = TwoPins("{ \"id\": \"in\", \"gpio\": \"GPIO17\", \"direction\": \"input\" }", "{ \"from\": \"in\", \"to\": \"" + supply + "\" }");

        Assert.Equal($"t.json: $.wires: in (pi.11, GPIO17) is shorted to {named}; a GPIO reaches a supply or ground only through a part (button, resistor).", Rejection(json));
    }

    [Fact]
    public void Parse_GpioShortedToGroundThroughABreadboardRow_Rejects()
    {
        // The button's both legs in one row: GPIO17 meets GND through copper, not through the switch.
        var json = TwoPins(
            "{ \"id\": \"in\", \"gpio\": \"GPIO17\", \"direction\": \"input\" }",
            "{ \"from\": \"in\", \"to\": \"b.1\" }, { \"from\": \"b.1\", \"to\": \"pi.9\" }",
            "{ \"id\": \"b\", \"kind\": \"button\" }");

        Assert.Equal("t.json: $.wires: in (pi.11, GPIO17) is shorted to GND (pi.9); a GPIO reaches a supply or ground only through a part (button, resistor).", Rejection(json));
    }

    [Fact]
    public void Parse_SupplyWiredToGround_Rejects()
    {
        var json = TwoPins("{ \"id\": \"in\", \"gpio\": \"GPIO17\", \"direction\": \"input\" }", "{ \"from\": \"pi.1\", \"to\": \"pi.6\" }");

        Assert.Equal("t.json: $.wires: 3V3 (pi.1) is shorted to GND (pi.6).", Rejection(json));
    }

    [Theory]
    [InlineData("{ \"from\": \"a\", \"to\": \"b\" }, { \"from\": \"a\", \"to\": \"b\" }")]
    [InlineData("{ \"from\": \"a\", \"to\": \"b\" }, { \"from\": \"pi.13\", \"to\": \"pi.11\" }")]
    public void Parse_WireListedTwice_RejectsNamingBothEntries(string wires)
    {
        var json = TwoPins("{ \"id\": \"a\", \"gpio\": \"GPIO17\", \"direction\": \"output\" }, { \"id\": \"b\", \"gpio\": \"GPIO27\", \"direction\": \"input\" }", wires);

        var message = Rejection(json);

        Assert.StartsWith("t.json: $.wires[1]: the wire ", message, StringComparison.Ordinal);
        Assert.EndsWith(" is listed twice (also $.wires[0]); list each wire once.", message, StringComparison.Ordinal);
        Assert.Contains("a (pi.11)", message, StringComparison.Ordinal);
        Assert.Contains("b (pi.13)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_GpioUsedByButtonAndEncoder_RejectsNamingBothParts()
    {
        var json = TwoPins(
            "{ \"id\": \"in\", \"gpio\": \"GPIO17\", \"direction\": \"input\", \"bias\": \"pull-up\" }",
            "{ \"from\": \"in\", \"to\": \"btn1.1\" }, { \"from\": \"btn1.1\", \"to\": \"enc1.a\" }, { \"from\": \"btn1.2\", \"to\": \"pi.9\" }, { \"from\": \"enc1.c\", \"to\": \"pi.14\" }",
            "{ \"id\": \"btn1\", \"kind\": \"button\" }, { \"id\": \"enc1\", \"kind\": \"encoder\" }");

        Assert.Equal("t.json: $.wires: in (pi.11, GPIO17) is used by two parts at once: btn1.1 (button) and enc1.a (encoder); give each its own GPIO.", Rejection(json));
    }

    [Fact]
    public void Parse_GpioSharedByDeviceAndItsPullResistor_IsAccepted()
    {
        // A resistor on the GPIO's net is not a second user: an external pull-up beside the button.
        var json = TwoPins(
            "{ \"id\": \"in\", \"gpio\": \"GPIO17\", \"direction\": \"input\" }",
            "{ \"from\": \"in\", \"to\": \"btn1.1\" }, { \"from\": \"btn1.2\", \"to\": \"pi.9\" }, { \"from\": \"btn1.1\", \"to\": \"r1.1\" }, { \"from\": \"r1.2\", \"to\": \"pi.1\" }",
            "{ \"id\": \"btn1\", \"kind\": \"button\" }, { \"id\": \"r1\", \"kind\": \"resistor\", \"ohms\": 10000 }");

        Assert.Equal(new[] { "in", "GND", "3V3" }, WiringLoader.Parse(json, "t.json").Nets.Select(n => n.Name));
    }

    [Theory]
    [InlineData("{ \"from\": \"a\", \"to\": \"pi.15\" }", "$.wires[0].to: pi.15 is GPIO22, which no pin declares; declare it in $.pins (direction, bias) and wire it by its id.")]
    [InlineData("{ \"from\": \"a\", \"to\": \"pi.41\" }", "$.wires[0].to: \"pi.41\" is not a header pin; allowed: pi.1..pi.40 (the physical pin number).")]
    [InlineData("{ \"from\": \"a\", \"to\": \"r9.1\" }", "$.wires[0].to: unknown part \"r9\"; allowed: \"pi\", \"b\".")]
    [InlineData("{ \"from\": \"a\", \"to\": \"b.3\" }", "$.wires[0].to: b (button) has no pin \"3\"; allowed: 1, 2.")]
    [InlineData("{ \"from\": \"a\", \"to\": \"a\" }", "$.wires[0]: the wire connects a (pi.11) to itself.")]
    public void Parse_BadEndpoint_RejectsNamingWhatIsAllowed(string wire, string expected)
    {
        var json = TwoPins("{ \"id\": \"a\", \"gpio\": \"GPIO17\", \"direction\": \"input\" }", wire, "{ \"id\": \"b\", \"kind\": \"button\" }");

        Assert.Equal("t.json: " + expected, Rejection(json));
    }

    [Theory]
    [InlineData("{ \"id\": \"r1\", \"kind\": \"resistor\" }", "$.parts[0].ohms: is required for a resistor; allowed: its value in ohms, e.g. 1000.")]
    [InlineData("{ \"id\": \"r1\", \"kind\": \"resistor\", \"ohms\": 0 }", "$.parts[0].ohms: 0 is not allowed; allowed: a whole number of ohms > 0.")]
    [InlineData("{ \"id\": \"b\", \"kind\": \"button\", \"ohms\": 5 }", "$.parts[0].ohms: only a resistor has a value, this part is a button.")]
    [InlineData("{ \"id\": \"pi\", \"kind\": \"button\" }", "$.parts[0].id: \"pi\" is the Raspberry Pi's header; choose another id.")]
    public void Parse_BadPart_RejectsWithPath(string part, string expected)
    {
        var json = TwoPins("{ \"id\": \"a\", \"gpio\": \"GPIO17\", \"direction\": \"input\" }", string.Empty, part);

        Assert.Equal("t.json: " + expected, Rejection(json));
    }

    public static TheoryData<string> Labs() => [.. LabCatalog.All.Select(l => l.Name)];

    [Theory]
    [MemberData(nameof(Labs))]
    public void CommittedWiring_EveryLab_WiresEveryPinItConfigures(string lab)
    {
        var w = WiringLoader.Load(Path.Combine(RepoPaths.WiringRoot, lab, "wiring.json"));

        Assert.All(w.Pins, p => Assert.True(w.NetOf(p.Endpoint) is not null, $"{lab}: pin {p.Id} ({p.Endpoint}) is drawn with no wire"));
        Assert.All(w.Parts.SelectMany(part => part.Pins.Select(pin => new WiringEndpoint(part.Id, pin.Name))), e => Assert.True(w.NetOf(e) is not null, $"{lab}: {e} is not wired"));
    }

    private static WiringDocument Committed(string lab) => WiringLoader.Load(Path.Combine(RepoPaths.WiringRoot, lab, "wiring.json"));

    [Fact]
    public void SharedBetweenLabs_ButtonAndLoopbackOnOneBoard_NamesGpio17AndBothLabsPins()
    {
        var problems = WiringRules.SharedBetweenLabs([Committed("button"), Committed("loopback")]);

        var line = Assert.Single(problems);
        Assert.Equal("GPIO17 (pi.11) is used by 2 labs at once: button (pin \"button\") and loopback (pin \"stimulus\"); move one to a free GPIO in its wiring.json, or wire those labs one at a time.", line);
    }

    [Fact]
    public void SharedBetweenLabs_EncoderButtonAndUltrasonic_HaveNoGpioInCommon()
    {
        Assert.Empty(WiringRules.SharedBetweenLabs([Committed("encoder"), Committed("button"), Committed("ultrasonic")]));
    }
}
