using System.Text.Json;
using System.Text.RegularExpressions;

namespace DpcPi.Gpio;

/// <summary>Loads and validates wiring files (format "dpcpi-wiring/2", documented in wiring/README.md).</summary>
public static partial class WiringLoader
{
    public const string Format = "dpcpi-wiring/2";

    private static readonly string[] s_rootProps = ["format", "name", "description", "parts", "pins", "wires"];
    private static readonly string[] s_partProps = ["id", "kind", "ohms", "description"];
    private static readonly string[] s_pinProps = ["id", "gpio", "direction", "bias", "edges", "description"];
    private static readonly string[] s_wireProps = ["from", "to", "delayNs"];
    private static readonly string[] s_directions = ["input", "output"];
    private static readonly string[] s_biases = ["as-is", "disabled", "pull-up", "pull-down"];
    private static readonly string[] s_edges = ["none", "rising", "falling", "both"];

    /// <summary>Loads <paramref name="path"/>; the error names the path as given.</summary>
    public static WiringDocument Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            var why = ex switch
            {
                FileNotFoundException or DirectoryNotFoundException => "the file does not exist",
                UnauthorizedAccessException => "permission denied",
                _ when Directory.Exists(path) => "it is a folder; give its wiring.json",
                _ => ex.Message,
            };
            throw new WiringException($"Wiring file '{path}' cannot be read: {why}.", ex);
        }

        return Parse(json, path);
    }

    /// <summary>Parses wiring JSON; <paramref name="fileName"/> prefixes every error.</summary>
    public static WiringDocument Parse(string json, string fileName)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false });
        }
        catch (JsonException ex)
        {
            throw new WiringException(fileName, "$", $"not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}).", ex);
        }

        using (doc)
        {
            return new Reader(fileName).Read(doc.RootElement);
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    private sealed class Reader(string file)
    {
        public WiringDocument Read(JsonElement root)
        {
            Object(root, "$", s_rootProps);
            var format = String(root, "$", "format", required: true)!;
            if (format != Format)
            {
                throw Error("$.format", $"\"{format}\" is not a known format; allowed: \"{Format}\".");
            }

            var name = String(root, "$", "name", required: true)!;
            if (name.Length == 0)
            {
                throw Error("$.name", "must not be empty.");
            }

            var description = String(root, "$", "description", required: false) ?? string.Empty;

            var parts = new List<WiringPart>();
            foreach (var (p, path) in Array(root, "$", "parts", required: false))
            {
                Object(p, path, s_partProps);
                var id = Id(p, path, parts.Select(x => x.Id));
                if (id == WiringEndpoint.Header)
                {
                    throw Error(path + ".id", $"\"{WiringEndpoint.Header}\" is the Raspberry Pi's header; choose another id.");
                }

                var kind = Choice(p, path, "kind", [.. WiringPartKinds.All], required: true)!;
                parts.Add(new WiringPart(id, kind, String(p, path, "description", required: false) ?? string.Empty, Ohms(p, path, kind)));
            }

            var pins = new List<WiringPin>();
            var pinArray = Array(root, "$", "pins", required: true);
            if (pinArray.Count == 0)
            {
                throw Error("$.pins", "must list at least one pin.");
            }

            foreach (var (p, path) in pinArray)
            {
                Object(p, path, s_pinProps);
                var id = Id(p, path, pins.Select(x => x.Id));
                var spec = String(p, path, "gpio", required: true)!;
                int gpio;
                try
                {
                    gpio = BoardCatalog.Resolve(BoardCatalog.Get(RaspberryPiModel.Pi4B), spec).Offset;
                }
                catch (ArgumentException ex)
                {
                    throw Error(path + ".gpio", ex.Message);
                }

                if (gpio > 27)
                {
                    throw Error(path + ".gpio", $"\"{spec}\" is not on the 40-pin header; allowed: GPIO0..GPIO27 or a header pin.");
                }

                var clash = pins.FirstOrDefault(x => x.Gpio == gpio);
                if (clash is not null)
                {
                    throw Error(path + ".gpio", $"GPIO{gpio} is already used by pin \"{clash.Id}\"; each GPIO may appear once.");
                }

                var direction = Choice(p, path, "direction", s_directions, required: true) == "output" ? PinMode.Output : PinMode.Input;
                var bias = Choice(p, path, "bias", s_biases, required: false) switch
                {
                    "disabled" => GpioBias.Disabled,
                    "pull-up" => GpioBias.PullUp,
                    "pull-down" => GpioBias.PullDown,
                    _ => GpioBias.AsIs,
                };
                var edgesText = Choice(p, path, "edges", s_edges, required: false);
                var edges = edgesText switch
                {
                    "rising" => PinEventTypes.Rising,
                    "falling" => PinEventTypes.Falling,
                    "both" => PinEventTypes.Rising | PinEventTypes.Falling,
                    _ => PinEventTypes.None,
                };
                if (edges != PinEventTypes.None && direction == PinMode.Output)
                {
                    throw Error(path + ".edges", $"\"{edgesText}\" needs an input pin, but the pin is an output; allowed on outputs: none.");
                }

                pins.Add(new WiringPin(id, spec, gpio, direction, bias, edges, String(p, path, "description", required: false) ?? string.Empty));
            }

            var connections = new List<WiringConnection>();
            var seen = new Dictionary<(WiringEndpoint, WiringEndpoint), string>();
            foreach (var (w, path) in Array(root, "$", "wires", required: false))
            {
                Object(w, path, s_wireProps);
                var from = Endpoint(w, path, "from", parts, pins);
                var to = Endpoint(w, path, "to", parts, pins);
                if (from == to)
                {
                    throw Error(path, $"the wire connects {Describe(from, pins)} to itself.");
                }

                // A wire has no direction: a-b and b-a are the same wire.
                var key = string.CompareOrdinal(from.ToString(), to.ToString()) <= 0 ? (from, to) : (to, from);
                if (seen.TryGetValue(key, out var first))
                {
                    throw Error(path, $"the wire {Describe(from, pins)} – {Describe(to, pins)} is listed twice (also {first}); list each wire once.");
                }

                seen.Add(key, path);
                long delay = 0;
                if (w.TryGetProperty("delayNs", out var d))
                {
                    if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out delay) || delay < 0)
                    {
                        throw Error(path + ".delayNs", $"{d.GetRawText()} is not allowed; allowed: a whole number of nanoseconds >= 0.");
                    }
                }

                connections.Add(new WiringConnection(from, to, delay));
            }

            var nets = WiringNets.Build(connections, pins);
            var document = new WiringDocument(name, description, parts, pins, connections, nets, WiringNets.GpioPaths(nets, connections, pins));
            if (WiringRules.FirstViolation(document) is { } violation)
            {
                throw Error("$.wires", violation);
            }

            return document;
        }

        private static string Names(IEnumerable<string> names)
        {
            var list = names.Select(n => $"\"{n}\"").ToArray();
            return list.Length == 0 ? "none are declared" : string.Join(", ", list);
        }

        private static string Describe(WiringEndpoint e, List<WiringPin> pins) =>
            pins.FirstOrDefault(p => p.Endpoint == e) is { } pin ? $"{pin.Id} ({e})" : e.ToString();

        private long Ohms(JsonElement e, string path, string kind)
        {
            if (!e.TryGetProperty("ohms", out var v))
            {
                return kind == "resistor" ? throw Error(path + ".ohms", "is required for a resistor; allowed: its value in ohms, e.g. 1000.") : 0;
            }

            if (kind != "resistor")
            {
                throw Error(path + ".ohms", $"only a resistor has a value, this part is a {kind}.");
            }

            return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var ohms) && ohms > 0
                ? ohms
                : throw Error(path + ".ohms", $"{v.GetRawText()} is not allowed; allowed: a whole number of ohms > 0.");
        }

        // "trig" (a pin id: its header pin), "pi.6" (a header pin by number) or "r1.2" (a part's pin).
        private WiringEndpoint Endpoint(JsonElement e, string path, string prop, List<WiringPart> parts, List<WiringPin> pins)
        {
            var text = String(e, path, prop, required: true)!;
            var at = $"{path}.{prop}";
            var dot = text.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                return pins.FirstOrDefault(p => p.Id == text)?.Endpoint
                    ?? throw Error(at, $"unknown pin \"{text}\"; allowed: {Names(pins.Select(p => p.Id))}, a header pin (pi.1..pi.40) or a part's pin (part.pin).");
            }

            var partId = text[..dot];
            var pinName = text[(dot + 1)..];
            if (partId == WiringEndpoint.Header)
            {
                if (!int.TryParse(pinName, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var physical) || physical is < 1 or > 40)
                {
                    throw Error(at, $"\"{text}\" is not a header pin; allowed: pi.1..pi.40 (the physical pin number).");
                }

                var header = BoardCatalog.Header.First(h => h.PhysicalPin == physical);
                if (header.Kind == HeaderPinKind.Gpio && pins.All(p => p.Gpio != header.Gpio))
                {
                    throw Error(at, $"{text} is GPIO{header.Gpio}, which no pin declares; declare it in $.pins (direction, bias) and wire it by its id.");
                }

                return new WiringEndpoint(WiringEndpoint.Header, physical.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            var part = parts.FirstOrDefault(p => p.Id == partId)
                ?? throw Error(at, $"unknown part \"{partId}\"; allowed: {Names(parts.Select(p => p.Id).Prepend(WiringEndpoint.Header))}.");
            if (part.Pins.All(p => p.Name != pinName))
            {
                var allowed = part.Pins.Count == 0 ? "none (kind other has no pins to wire)" : string.Join(", ", part.Pins.Select(p => p.Name));
                throw Error(at, $"{part.Id} ({part.Kind}) has no pin \"{pinName}\"; allowed: {allowed}.");
            }

            return new WiringEndpoint(part.Id, pinName);
        }

        private string Id(JsonElement e, string path, IEnumerable<string> existing)
        {
            var id = String(e, path, "id", required: true)!;
            if (!IdPattern().IsMatch(id))
            {
                throw Error(path + ".id", $"\"{id}\" is not a valid id; allowed: lower-case letter, then up to 31 of a-z 0-9 _ -.");
            }

            if (existing.Contains(id))
            {
                throw Error(path + ".id", $"\"{id}\" is declared twice; ids must be unique.");
            }

            return id;
        }

        private string? Choice(JsonElement e, string path, string prop, string[] allowed, bool required)
        {
            var value = String(e, path, prop, required);
            if (value is not null && !allowed.Contains(value))
            {
                throw Error($"{path}.{prop}", $"\"{value}\" is not allowed; allowed: {string.Join(", ", allowed)}.");
            }

            return value;
        }

        private string? String(JsonElement e, string path, string prop, bool required)
        {
            if (!e.TryGetProperty(prop, out var v))
            {
                return required ? throw Error($"{path}.{prop}", "is required and missing.") : null;
            }

            return v.ValueKind == JsonValueKind.String
                ? v.GetString()
                : throw Error($"{path}.{prop}", $"must be a string, not {Kind(v)}.");
        }

        private List<(JsonElement Element, string Path)> Array(JsonElement e, string path, string prop, bool required)
        {
            if (!e.TryGetProperty(prop, out var v))
            {
                return required ? throw Error($"{path}.{prop}", "is required and missing.") : [];
            }

            if (v.ValueKind != JsonValueKind.Array)
            {
                throw Error($"{path}.{prop}", $"must be an array, not {Kind(v)}.");
            }

            return v.EnumerateArray().Select((x, i) => (x, $"{path}.{prop}[{i}]")).ToList();
        }

        private void Object(JsonElement e, string path, string[] allowed)
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                throw Error(path, $"must be an object, not {Kind(e)}.");
            }

            foreach (var p in e.EnumerateObject())
            {
                if (!allowed.Contains(p.Name))
                {
                    throw Error($"{path}.{p.Name}", $"unknown property; allowed: {string.Join(", ", allowed)}.");
                }
            }
        }

        private static string Kind(JsonElement v) => v.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        };

        private WiringException Error(string path, string problem) => new(file, path, problem);
    }
}
