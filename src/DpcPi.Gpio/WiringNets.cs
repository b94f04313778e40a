namespace DpcPi.Gpio;

/// <summary>Joins a wiring's wires into nets (copper nodes) and finds the GPIO-to-GPIO paths among them.</summary>
internal static class WiringNets
{
    public static IReadOnlyList<WiringNet> Build(IReadOnlyList<WiringConnection> connections, IReadOnlyList<WiringPin> pins)
    {
        // Union-find over endpoints, in the order the wires list them so net order is stable.
        var parent = new Dictionary<WiringEndpoint, WiringEndpoint>();
        var order = new List<WiringEndpoint>();
        WiringEndpoint Find(WiringEndpoint e)
        {
            if (!parent.TryGetValue(e, out var p))
            {
                parent[e] = e;
                order.Add(e);
                return e;
            }

            return p == e ? e : parent[e] = Find(p);
        }

        foreach (var c in connections)
        {
            var a = Find(c.From);
            var b = Find(c.To);
            if (a != b)
            {
                parent[b] = a;
            }
        }

        // The board joins its supply pins: every 5V pin is one net, every GND pin another.
        foreach (var group in order.ToArray().Where(e => e.IsHeader).GroupBy(SupplyOf).Where(g => g.Key != HeaderPinKind.Gpio))
        {
            var first = Find(group.First());
            foreach (var e in group.Skip(1))
            {
                var root = Find(e);
                if (root != first)
                {
                    parent[root] = first;
                }
            }
        }

        return order.GroupBy(Find)
            .Select(g => Describe([.. g], pins))
            .ToArray();
    }

    /// <summary>Each output GPIO pin and input GPIO pin in one net, with the slowest wire's delay in that net.</summary>
    public static IReadOnlyList<WiringWire> GpioPaths(IReadOnlyList<WiringNet> nets, IReadOnlyList<WiringConnection> connections, IReadOnlyList<WiringPin> pins)
    {
        var paths = new List<WiringWire>();
        foreach (var net in nets)
        {
            var members = pins.Where(p => net.Endpoints.Contains(p.Endpoint)).ToArray();
            var delay = connections.Where(c => net.Endpoints.Contains(c.From)).Select(c => c.DelayNs).DefaultIfEmpty(0).Max();
            foreach (var output in members.Where(p => p.Direction == PinMode.Output))
            {
                foreach (var input in members.Where(p => p.Direction == PinMode.Input))
                {
                    paths.Add(new WiringWire(output.Id, input.Id, delay));
                }
            }
        }

        return paths;
    }

    private static HeaderPinKind SupplyOf(WiringEndpoint e) => BoardCatalog.Header.First(h => h.PhysicalPin == e.PhysicalPin).Kind;

    private static WiringNet Describe(WiringEndpoint[] endpoints, IReadOnlyList<WiringPin> pins)
    {
        var supplies = endpoints.Where(e => e.IsHeader)
            .Select(e => BoardCatalog.Header.First(h => h.PhysicalPin == e.PhysicalPin).Kind)
            .Where(k => k != HeaderPinKind.Gpio)
            .ToArray();

        // A net touching two different supplies is a short; WiringRules reports it, here the first supply names it.
        var kind = supplies.Length == 0 ? WiringNetKind.Signal : supplies[0] switch
        {
            HeaderPinKind.Power3V3 => WiringNetKind.Power3V3,
            HeaderPinKind.Power5V => WiringNetKind.Power5V,
            _ => WiringNetKind.Ground,
        };
        var name = kind switch
        {
            WiringNetKind.Power3V3 => "3V3",
            WiringNetKind.Power5V => "5V",
            WiringNetKind.Ground => "GND",
            _ => pins.FirstOrDefault(p => endpoints.Contains(p.Endpoint))?.Id ?? endpoints[0].ToString(),
        };
        return new WiringNet(name, kind, endpoints);
    }
}
