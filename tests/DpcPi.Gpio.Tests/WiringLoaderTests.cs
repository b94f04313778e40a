namespace DpcPi.Gpio.Tests;

public sealed class WiringLoaderTests
{
    private const string Valid = """
        {
          "format": "dpcpi-wiring/2",
          "name": "t",
          "parts": [ { "id": "r1", "kind": "resistor", "ohms": 330 } ],
          "pins": [
            { "id": "out", "gpio": "GPIO17", "direction": "output" },
            { "id": "in", "gpio": "pin 13", "direction": "input", "bias": "pull-down", "edges": "both" }
          ],
          "wires": [ { "from": "out", "to": "in", "delayNs": 250 } ]
        }
        """;

    [Fact]
    public void Load_LoopbackFile_ParsesOutputGpio17WiredToInputGpio27()
    {
        var w = WiringLoader.Load(Path.Combine(TestPaths.RepoRoot, "wiring", "loopback", "wiring.json"));
        Assert.Equal("loopback", w.Name);
        var wire = Assert.Single(w.Wires);
        Assert.Equal((17, PinMode.Output), (w.Pin(wire.From).Gpio, w.Pin(wire.From).Direction));
        Assert.Equal((27, PinMode.Input, PinEventTypes.Rising | PinEventTypes.Falling), (w.Pin(wire.To).Gpio, w.Pin(wire.To).Direction, w.Pin(wire.To).Edges));
    }

    [Fact]
    public void Parse_ValidDocument_ResolvesPinsAndWire()
    {
        var w = WiringLoader.Parse(Valid, "t.json");
        Assert.Equal(27, w.Pin("in").Gpio);
        Assert.Equal(GpioBias.PullDown, w.Pin("in").Bias);
        Assert.Equal(new WiringWire("out", "in", 250), Assert.Single(w.Wires));
        Assert.Equal(330, Assert.Single(w.Parts).Ohms);
    }

    [Theory]
    [InlineData("{ \"format\": ", "t.json: $: not valid JSON (line 1, byte 13).")]
    [InlineData("[]", "t.json: $: must be an object, not an array.")]
    [InlineData("{ \"format\": \"dpcpi-wiring/1\", \"name\": \"t\", \"pins\": [] }", "t.json: $.format: \"dpcpi-wiring/1\" is not a known format; allowed: \"dpcpi-wiring/2\".")]
    [InlineData("{ \"format\": \"dpcpi-wiring/2\", \"pins\": [] }", "t.json: $.name: is required and missing.")]
    [InlineData("{ \"format\": \"dpcpi-wiring/2\", \"name\": \"t\", \"pins\": [] }", "t.json: $.pins: must list at least one pin.")]
    [InlineData("{ \"format\": \"dpcpi-wiring/2\", \"name\": \"t\", \"pin\": [] }", "t.json: $.pin: unknown property; allowed: format, name, description, parts, pins, wires.")]
    [InlineData("{ \"format\": \"dpcpi-wiring/2\", \"name\": \"t\", \"pins\": [ { \"id\": \"a\", \"gpio\": \"pin 2\", \"direction\": \"input\" } ] }", "t.json: $.pins[0].gpio: \"pin 2\": pin 2 is 5V power, not a GPIO.")]
    [InlineData("{ \"format\": \"dpcpi-wiring/2\", \"name\": \"t\", \"pins\": [ { \"id\": \"a\", \"gpio\": \"GPIO30\", \"direction\": \"input\" } ] }", "t.json: $.pins[0].gpio: \"GPIO30\" is not on the 40-pin header; allowed: GPIO0..GPIO27 or a header pin.")]
    [InlineData("{ \"format\": \"dpcpi-wiring/2\", \"name\": \"t\", \"pins\": [ { \"id\": \"a\", \"gpio\": \"GPIO4\", \"direction\": \"in\" } ] }", "t.json: $.pins[0].direction: \"in\" is not allowed; allowed: input, output.")]
    [InlineData("{ \"format\": \"dpcpi-wiring/2\", \"name\": \"t\", \"pins\": [ { \"id\": \"a\", \"gpio\": \"GPIO4\", \"direction\": \"output\", \"edges\": \"both\" } ] }", "t.json: $.pins[0].edges: \"both\" needs an input pin, but the pin is an output; allowed on outputs: none.")]
    [InlineData("{ \"format\": \"dpcpi-wiring/2\", \"name\": \"t\", \"pins\": [ { \"id\": \"a\", \"gpio\": \"GPIO4\", \"direction\": \"input\" }, { \"id\": \"b\", \"gpio\": \"pin 7\", \"direction\": \"input\" } ] }", "t.json: $.pins[1].gpio: GPIO4 is already used by pin \"a\"; each GPIO may appear once.")]
    [InlineData("{ \"format\": \"dpcpi-wiring/2\", \"name\": \"t\", \"pins\": [ { \"id\": \"A\", \"gpio\": \"GPIO4\", \"direction\": \"input\" } ] }", "t.json: $.pins[0].id: \"A\" is not a valid id; allowed: lower-case letter, then up to 31 of a-z 0-9 _ -.")]
    [InlineData("{ \"format\": \"dpcpi-wiring/2\", \"name\": \"t\", \"pins\": [ { \"id\": \"a\", \"gpio\": 4, \"direction\": \"input\" } ] }", "t.json: $.pins[0].gpio: must be a string, not a number.")]
    public void Parse_MalformedDocument_ThrowsOneLineNamingFilePathAndAllowed(string json, string message)
    {
        var ex = Assert.Throws<WiringException>(() => WiringLoader.Parse(json, "t.json"));
        Assert.Equal(message, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Equal("t.json", ex.FileName);
    }

    [Theory]
    [InlineData("\"to\": \"inp\"", "t.json: $.wires[0].to: unknown pin \"inp\"; allowed: \"out\", \"in\", a header pin (pi.1..pi.40) or a part's pin (part.pin).")]
    [InlineData("\"to\": \"out\"", "t.json: $.wires[0]: the wire connects out (pi.11) to itself.")]
    [InlineData("\"delayNs\": -5", "t.json: $.wires[0].delayNs: -5 is not allowed; allowed: a whole number of nanoseconds >= 0.")]
    [InlineData("\"delayNs\": 1.5", "t.json: $.wires[0].delayNs: 1.5 is not allowed; allowed: a whole number of nanoseconds >= 0.")]
    [InlineData("\"part\": \"r1\"", "t.json: $.wires[0].part: unknown property; allowed: from, to, delayNs.")]
    public void Parse_BadWire_ThrowsNamingWirePath(string replacement, string message)
    {
        var key = replacement[..replacement.IndexOf(':', StringComparison.Ordinal)];
        var json = key switch
        {
            "\"to\"" => Valid.Replace("\"to\": \"in\"", replacement, StringComparison.Ordinal),
            "\"delayNs\"" => Valid.Replace("\"delayNs\": 250", replacement, StringComparison.Ordinal),
            _ => Valid.Replace("\"delayNs\": 250", "\"delayNs\": 250, " + replacement, StringComparison.Ordinal),
        };
        Assert.Equal(message, Assert.Throws<WiringException>(() => WiringLoader.Parse(json, "t.json")).Message);
    }

    [Fact]
    public void Parse_WireWrittenFromInputToOutput_GivesTheSameGpioPath()
    {
        var json = Valid.Replace("\"from\": \"out\", \"to\": \"in\"", "\"from\": \"in\", \"to\": \"out\"", StringComparison.Ordinal);
        Assert.Equal(new WiringWire("out", "in", 250), Assert.Single(WiringLoader.Parse(json, "t.json").Wires));
    }
}
