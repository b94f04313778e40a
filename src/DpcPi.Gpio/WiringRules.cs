using System.Globalization;

namespace DpcPi.Gpio;

/// <summary>
/// The electrical rules a wiring must keep before a student wires it (wiring/README.md, "Rules"): no supply
/// shorted to another or to ground, no GPIO on a supply or ground, one driver per net, no 5 V signal on a
/// GPIO unless a divider or level shifter brings it to 3.3 V, and each GPIO used by one device.
/// </summary>
public static class WiringRules
{
    /// <summary>The highest voltage accepted on a GPIO: 3.3 V plus 3 %, so the usual 1k/2k divider's 3.33 V passes.</summary>
    public const double MaxGpioVolts = 3.4;

    /// <summary>The first broken rule as one line naming the parts and pins, or null when the wiring keeps them all.</summary>
    public static string? FirstViolation(WiringDocument wiring)
    {
        ArgumentNullException.ThrowIfNull(wiring);
        return SupplyShort(wiring) ?? GpioOnSupply(wiring) ?? TwoDrivers(wiring) ?? FiveVoltSignal(wiring) ?? SharedGpio(wiring);
    }

    /// <summary>
    /// Labs wired on one board at once: one line for each GPIO that two of them use (each lab's wiring is valid on
    /// its own, but one pin cannot be the button of one lab and the encoder of another). Empty when none is shared.
    /// </summary>
    public static IReadOnlyList<string> SharedBetweenLabs(IReadOnlyList<WiringDocument> labs)
    {
        ArgumentNullException.ThrowIfNull(labs);
        var problems = new List<string>();
        var users = labs.SelectMany(lab => lab.Pins.Select(pin => (Lab: lab, Pin: pin)))
            .GroupBy(u => u.Pin.Gpio)
            .OrderBy(g => g.Key);
        foreach (var gpio in users)
        {
            var byLab = gpio.GroupBy(u => u.Lab.Name).Select(g => g.First()).ToArray();
            if (byLab.Length > 1)
            {
                var who = string.Join(" and ", byLab.Select(u => $"{u.Lab.Name} (pin \"{u.Pin.Id}\")"));
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"GPIO{gpio.Key} (pi.{byLab[0].Pin.PhysicalPin}) is used by {byLab.Length} labs at once: {who}; move one to a free GPIO in its wiring.json, or wire those labs one at a time."));
            }
        }

        return problems;
    }

    private static string? SupplyShort(WiringDocument w)
    {
        foreach (var net in w.Nets)
        {
            var supplies = net.Endpoints.Where(e => e.IsHeader && Header(e).Kind != HeaderPinKind.Gpio)
                .GroupBy(e => Header(e).Kind).Select(g => g.First()).ToArray();
            if (supplies.Length > 1)
            {
                return $"{Supply(supplies[0])} is shorted to {Supply(supplies[1])}.";
            }
        }

        return null;
    }

    private static string? GpioOnSupply(WiringDocument w)
    {
        foreach (var net in w.Nets.Where(n => n.Kind != WiringNetKind.Signal))
        {
            var supply = net.Endpoints.First(e => e.IsHeader && Header(e).Kind != HeaderPinKind.Gpio);
            if (Gpios(w, net).FirstOrDefault() is { } pin)
            {
                return $"{Gpio(pin)} is shorted to {Supply(supply)}; a GPIO reaches a supply or ground only through a part (button, resistor).";
            }
        }

        return null;
    }

    private static string? TwoDrivers(WiringDocument w)
    {
        foreach (var net in w.Nets)
        {
            var drivers = Gpios(w, net).Where(p => p.Direction == PinMode.Output).Select(p => $"{Gpio(p)} output")
                .Concat(PartPins(w, net).Where(x => x.Pin.Role == WiringPinRole.Output).Select(x => $"{x.Endpoint} ({x.Part.Kind} output)"))
                .ToArray();
            if (drivers.Length > 1)
            {
                return $"two outputs drive one net: {drivers[0]} and {drivers[1]}; a net takes one driver.";
            }
        }

        return null;
    }

    private static string? FiveVoltSignal(WiringDocument w)
    {
        // The 5 V nets: the 5V supply, and every output of a part whose supply pin is on 5V.
        var sources = new List<(WiringNet Net, string What)>();
        foreach (var net in w.Nets)
        {
            if (net.Kind == WiringNetKind.Power5V)
            {
                sources.Add((net, "5V"));
                continue;
            }

            foreach (var (part, _, endpoint) in PartPins(w, net).Where(x => x.Pin.Role == WiringPinRole.Output))
            {
                var fiveVolt = part.Pins.Where(p => p.Role == WiringPinRole.Power)
                    .Any(p => w.NetOf(new WiringEndpoint(part.Id, p.Name))?.Kind == WiringNetKind.Power5V);
                if (fiveVolt)
                {
                    sources.Add((net, $"5 V signal {endpoint} ({part.Kind})"));
                }
            }
        }

        foreach (var (net, what) in sources)
        {
            if (Gpios(w, net).FirstOrDefault() is { } direct)
            {
                return $"{what} reaches {Gpio(direct)} directly, without a divider or level shifter; a GPIO takes at most 3.3 V.";
            }

            // Through a series resistor: the net beyond it is divided only by resistors from it to ground.
            foreach (var r in w.Parts.Where(p => p.Kind == "resistor"))
            {
                var ends = Ends(w, r);
                var beyond = ends.A == net ? ends.B : ends.B == net ? ends.A : null;
                if (beyond is null || Gpios(w, beyond).FirstOrDefault() is not { } pin)
                {
                    continue;
                }

                var toGround = w.Parts.Where(p => p.Kind == "resistor" && p != r)
                    .Where(p => Ends(w, p) is var e && ((e.A == beyond && e.B?.Kind == WiringNetKind.Ground) || (e.B == beyond && e.A?.Kind == WiringNetKind.Ground)))
                    .Select(p => (double)p.Ohms)
                    .ToArray();
                var volts = toGround.Length == 0 ? 5.0 : 5.0 * Parallel(toGround) / (r.Ohms + Parallel(toGround));
                if (volts > MaxGpioVolts)
                {
                    var how = toGround.Length == 0 ? "no resistor from it to GND divides it" : "the divider is too weak";
                    return string.Create(CultureInfo.InvariantCulture, $"{what} reaches {Gpio(pin)} through {r.Id} ({Ohms(r.Ohms)}) at {volts:0.00} V: {how}; a GPIO takes at most 3.3 V (e.g. 1 kΩ in series, 2 kΩ to GND).");
                }
            }
        }

        return null;
    }

    private static string? SharedGpio(WiringDocument w)
    {
        foreach (var net in w.Nets)
        {
            if (Gpios(w, net).FirstOrDefault() is not { } pin)
            {
                continue;
            }

            var devices = PartPins(w, net).Where(x => WiringPartKinds.IsDevice(x.Part.Kind))
                .GroupBy(x => x.Part.Id).Select(g => g.First()).ToArray();
            if (devices.Length > 1)
            {
                return $"{Gpio(pin)} is used by two parts at once: {devices[0].Endpoint} ({devices[0].Part.Kind}) and {devices[1].Endpoint} ({devices[1].Part.Kind}); give each its own GPIO.";
            }
        }

        return null;
    }

    /// <summary>"1 kΩ", "2.2 kΩ", "330 Ω".</summary>
    public static string Ohms(long ohms) => ohms switch
    {
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ohms / 1e6:0.##} MΩ"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{ohms / 1e3:0.##} kΩ"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ohms} Ω"),
    };

    private static double Parallel(double[] ohms) => 1 / ohms.Sum(r => 1 / r);

    private static (WiringNet? A, WiringNet? B) Ends(WiringDocument w, WiringPart resistor) =>
        (w.NetOf(new WiringEndpoint(resistor.Id, "1")), w.NetOf(new WiringEndpoint(resistor.Id, "2")));

    private static IEnumerable<WiringPin> Gpios(WiringDocument w, WiringNet net) => w.Pins.Where(p => net.Endpoints.Contains(p.Endpoint));

    private static IEnumerable<(WiringPart Part, WiringPartPin Pin, WiringEndpoint Endpoint)> PartPins(WiringDocument w, WiringNet net) =>
        net.Endpoints.Where(e => !e.IsHeader).Select(e =>
        {
            var part = w.Parts.First(p => p.Id == e.Part);
            return (part, part.Pins.First(p => p.Name == e.Pin), e);
        });

    private static HeaderPin Header(WiringEndpoint e) => BoardCatalog.Header.First(h => h.PhysicalPin == e.PhysicalPin);

    private static string Gpio(WiringPin p) => $"{p.Id} ({p.Endpoint}, GPIO{p.Gpio.ToString(CultureInfo.InvariantCulture)})";

    private static string Supply(WiringEndpoint e) => $"{Header(e).Label} ({e})";
}
