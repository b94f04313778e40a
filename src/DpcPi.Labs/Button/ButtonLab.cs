using System.Globalization;
using DpcPi.Gpio;
using DpcPi.Kernel;
using DpcPi.Labs.Framework;

namespace DpcPi.Labs.Button;

/// <summary>
/// The button lab's fake scenario: <see cref="Presses"/> presses with contact bounce, first through
/// the software-debouncing driver, then with the kernel's debounce (GpioLineSettings.DebouncePeriod).
/// </summary>
public sealed class ButtonLab : ILab
{
    public const int Line = 17;
    public const long StableNs = 5_000_000;
    public const long PressPeriodNs = 200_000_000;
    public const long HoldNs = 80_000_000;

    public int Presses { get; init; } = 5;

    public string Name => "button";

    public string Title => "Push button: the ISR timestamps, the DPC debounces";

    public string Summary => "bouncy push button; software debounce in the DPC vs the kernel's debounce, and what each timestamps";

    /// <summary>The bouncing level sequence of press <paramref name="i"/> (close) and its release.</summary>
    public static (FakeLevelChange[] Press, FakeLevelChange[] Release) Signal(long startNs, int i) =>
        (SignalGenerators.SwitchBounce(startNs + (i * PressPeriodNs), PinValue.Low, 4, 50_000, 800_000, seed: i + 1),
         SignalGenerators.SwitchBounce(startNs + (i * PressPeriodNs) + HoldNs, PinValue.High, 3, 50_000, 600_000, seed: 100 + i));

    public LabResult RunFake()
    {
        var soft = RunSoftware(out var softRaw, out var pressStarts, out var lastBounces);
        var kernel = RunKernelDebounce();
        var b = new LabResult.Builder(Name);
        b.Line(Title).Line();
        b.Line($"{Presses} presses, each bouncing 4 times on close and 3 times on release (SwitchBounce, seeded).");
        b.Line($"Raw edges seen by the ISR: {softRaw} (a driver counting falling edges would count {softRaw / 2 + softRaw % 2} presses).");
        b.Line($"Software debounce in the DPC ({StableNs / 1_000_000} ms stable): {soft.Presses} presses, {soft.Releases} releases.");
        b.Line($"Kernel debounce (DebouncePeriod {StableNs / 1_000_000} ms): {kernel.Count} presses.");
        b.Line();
        b.Line("press  first edge (ms)  software stamp (ms)  kernel stamp (ms)  kernel - software (ms)");
        var diffs = new List<long>();
        for (var i = 0; i < Math.Min(soft.Presses, kernel.Count); i++)
        {
            var d = kernel[i] - soft.PressTimes[i];
            diffs.Add(d);
            b.Line(string.Create(CultureInfo.InvariantCulture, $"{i + 1,5}  {Ms(pressStarts[i]),15:0.000}  {Ms(soft.PressTimes[i]),19:0.000}  {Ms(kernel[i]),17:0.000}  {d / 1e6,21:0.000}"));
        }

        b.Line();
        b.Line("Why they differ: the kernel's debounce reports an edge only once the line has been stable for the");
        b.Line("debounce period, and stamps it THEN (last bounce + period). The ISR-timestamps/DPC-debounces driver");
        b.Line("keeps every raw kernel timestamp, so it can date the press at its first edge, when the contact");
        b.Line("really closed, even though it also decides only after the stable period.");
        b.Figure("raw edges", softRaw)
            .Figure("presses (software debounce)", soft.Presses)
            .Figure("releases (software debounce)", soft.Releases)
            .Figure("presses (kernel debounce)", kernel.Count)
            .Figure("kernel - software stamp mean", diffs.Count == 0 ? 0 : diffs.Average() / 1e6, "ms")
            .Figure("kernel - software stamp max", diffs.Count == 0 ? 0 : diffs.Max() / 1e6, "ms");
        _ = lastBounces;
        return b.Build();
    }

    /// <summary>The software-debounce run; also returns the raw edge count, each press's first edge and last bounce.</summary>
    public ButtonDriver RunSoftware(out long rawEdges, out List<long> pressStarts, out List<long> lastBounces)
    {
        using var bench = new FakeBench();
        var driver = new ButtonDriver(bench.Kernel, StableNs);
        bench.Gpio.SetInputLevel(FakeBench.Chip, Line, PinValue.High, bench.StartNs - 1); // released: the pull-up holds it High
        var request = bench.Request(new GpioLineRequestOptions("lab-button").Add(Line, GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling, GpioBias.PullUp)));
        bench.ConnectGpio(1, request, ButtonDriver.Isr, driver.Device, "button");
        pressStarts = [];
        lastBounces = [];
        for (var i = 0; i < Presses; i++)
        {
            var (press, release) = Signal(bench.StartNs + 10_000_000, i);
            bench.Gpio.Schedule(FakeBench.Chip, Line, press);
            bench.Gpio.Schedule(FakeBench.Chip, Line, release);
            pressStarts.Add(press[0].TimestampNs);
            lastBounces.Add(press[^1].TimestampNs);
        }

        var end = bench.StartNs + 10_000_000 + (Presses * PressPeriodNs);
        bench.RunUntil(end);
        driver.Settle(bench.NowNs);
        rawEdges = driver.RawEdges;
        return driver;
    }

    /// <summary>The kernel-debounce run: the ISR records the timestamp of each (already debounced) falling edge.</summary>
    public List<long> RunKernelDebounce()
    {
        using var bench = new FakeBench();
        var presses = new List<long>();
        var settings = GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling, GpioBias.PullUp) with { DebouncePeriod = TimeSpan.FromTicks(StableNs / 100) };
        bench.Gpio.SetInputLevel(FakeBench.Chip, Line, PinValue.High, bench.StartNs - 1);
        var request = bench.Request(new GpioLineRequestOptions("lab-button-kdebounce").Add(Line, settings));
        bench.ConnectGpio(1, request, (_, ctx, ref f) =>
        {
            if (f.Code == 2)
            {
                ((List<long>)ctx!).Add(f.TimestampNs);
            }

            return true;
        }, presses, "button (kernel debounce)");
        for (var i = 0; i < Presses; i++)
        {
            var (press, release) = Signal(bench.StartNs + 10_000_000, i);
            bench.Gpio.Schedule(FakeBench.Chip, Line, press);
            bench.Gpio.Schedule(FakeBench.Chip, Line, release);
        }

        bench.RunUntil(bench.StartNs + 10_000_000 + (Presses * PressPeriodNs));
        return presses;
    }

    private static double Ms(long ns) => (ns - 1_000_000_000) / 1e6; // on the bench timeline

    public TimeSpan GpioDuration => TimeSpan.FromSeconds(20);

    /// <summary>On a Pi: the student presses the button; the driver debounces the kernel-stamped edges in its DPC.</summary>
    public LabResult RunGpio(GpioBench bench, GpioLabRun run)
    {
        ArgumentNullException.ThrowIfNull(bench);
        ArgumentNullException.ThrowIfNull(run);
        var line = bench.Pins.Line("button");
        var driver = new ButtonDriver(bench.Kernel, StableNs);
        var request = bench.Request(new GpioLineRequestOptions("lab-button").Add(line, GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling, GpioBias.PullUp)));
        bench.ConnectGpio(1, request, ButtonDriver.Isr, driver.Device, "button");
        run.Progress.WriteLine($"Press the button on {bench.Pins.Describe("button")} a few times in the next {run.Duration.TotalSeconds:0} s (Ctrl+C stops early).");
        bench.Start();
        var started = GpioBench.NowNs;
        run.Wait();
        bench.Stop();
        driver.Settle(GpioBench.NowNs);
        var b = new LabResult.Builder(Name).Line(Title).Line();
        b.Line($"{driver.RawEdges} raw edges → {driver.Presses} presses, {driver.Releases} releases after a {StableNs / 1_000_000} ms software debounce.");
        for (var i = 0; i < driver.Presses; i++)
        {
            b.Line(string.Create(CultureInfo.InvariantCulture, $"press {i + 1,2}: contact closed at {(driver.PressTimes[i] - started) / 1e6,9:0.000} ms, decided {(driver.DecisionTimes[i] - driver.PressTimes[i]) / 1e6,6:0.000} ms later"));
        }

        b.Line().Line(driver.RawEdges > 2L * driver.Presses
            ? "More raw edges than presses and releases: that is contact bounce, each burst counted once."
            : "No bounce this time: some buttons are clean, most are not. Try pressing gently.");
        return b.Figure("raw edges", driver.RawEdges)
            .Figure("presses", driver.Presses)
            .Figure("releases", driver.Releases)
            .Build();
    }
}
