using DpcPi.Gpio;
using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.Labs.Framework;

namespace DpcPi.Labs.Loopback;

/// <summary>
/// The loopback lab (wiring/loopback): GPIO17 drives a jumper into GPIO27; every edge's ISR requests the
/// DpcForIsr, and the kernel records edge→ISR and edge→DPC. The fake run is the deterministic manual-kernel
/// version of `dpcpi latency --source fake`: same wire (100 ns), exact bench latencies.
/// </summary>
public sealed class LoopbackLab : ILab
{
    public const int OutputLine = 17;
    public const int InputLine = 27;
    public const long WireDelayNs = 100;

    public int Edges { get; init; } = 100;

    public long IntervalNs { get; init; } = 1_000_000;

    public string Name => "loopback";

    public string Title => "Loopback: edge → ISR → DPC latency on one jumper";

    public string Summary => "one jumper from an output to an input; the kernel times every edge to its ISR and DPC";

    public LabResult RunFake()
    {
        using var bench = new FakeBench();
        var (dpcs, isr, dpc, stats) = Run(bench);
        return new LabResult.Builder(Name)
            .Line(Title).Line()
            .Line($"{Edges} edges, one every {IntervalNs / 1000} µs, through a wire of {WireDelayNs} ns (fake).")
            .Line($"Bench latencies: ISR {bench.IsrDelayNs} ns after the edge, DPC {bench.DpcDelayNs} ns after the ISR.")
            .Line($"DPCs run: {dpcs}; GPIO delivered {stats.Delivered}, lost {stats.Lost}, merged {stats.Merged}.")
            .Line($"edge→ISR: min {isr.Min} ns, max {isr.Max} ns; edge→DPC: min {dpc.Min} ns, max {dpc.Max} ns.")
            .Line()
            .Line("On a Pi, run `dpcpi latency --source gpio` with the same jumper to see the real distribution.")
            .Figure("edges", Edges)
            .Figure("dpcs", dpcs)
            .Figure("lost", stats.Lost)
            .Figure("edge to isr max", isr.Max, "ns")
            .Figure("edge to dpc min", dpc.Min, "ns")
            .Figure("edge to dpc max", dpc.Max, "ns")
            .Build();
    }

    public (long Dpcs, LatencyHistogram EdgeToIsr, LatencyHistogram EdgeToDpc, GpioLineStatistics Gpio) Run(FakeBench bench)
    {
        ArgumentNullException.ThrowIfNull(bench);
        bench.Gpio.AddWire(FakeBench.Chip, OutputLine, FakeBench.Chip, InputLine, WireDelayNs);
        var input = bench.Request(new GpioLineRequestOptions("lab-loopback").Add(InputLine, GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling, GpioBias.PullDown)));
        _ = bench.Request(new GpioLineRequestOptions("lab-loopback-stimulus").Add(OutputLine, GpioLineSettings.Output()));
        var count = new long[1];
        var device = bench.Kernel.CreateDevice("loopback", static (_, ctx, _, _) => ((long[])((DeviceObject)ctx!).Extension!)[0]++, count);
        bench.ConnectGpio(
            1,
            input,
            static (_, ctx, ref _) =>
            {
                _ = ((DeviceObject)ctx!).RequestDpc(); // already queued is still this device's interrupt: handled
                return true;
            },
            device,
            "loopback irq");
        var t0 = bench.StartNs + IntervalNs;
        bench.Gpio.Schedule(FakeBench.Chip, OutputLine, SignalGenerators.SquareWave(t0, 2 * IntervalNs, 0.5, Edges / 2));
        bench.RunUntil(t0 + (Edges * IntervalNs));
        return (count[0], bench.Kernel.Figures.MergeStage(LatencyStage.EdgeToIsr), bench.Kernel.Figures.MergeStage(LatencyStage.EdgeToDpcStart), input.TotalStatistics);
    }

    public TimeSpan GpioDuration => TimeSpan.FromSeconds(5);

    /// <summary>On a Pi: DpcPi toggles the stimulus pin every <see cref="IntervalNs"/> and the kernel times each edge on the irq pin.</summary>
    public LabResult RunGpio(GpioBench bench, GpioLabRun run)
    {
        ArgumentNullException.ThrowIfNull(bench);
        ArgumentNullException.ThrowIfNull(run);
        var outputLine = bench.Pins.Line("stimulus");
        var inputLine = bench.Pins.Line("irq");
        var input = bench.Request(new GpioLineRequestOptions("lab-loopback").Add(inputLine, GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling, GpioBias.PullDown)));
        var output = bench.Request(new GpioLineRequestOptions("lab-loopback-stimulus").Add(outputLine, GpioLineSettings.Output()));
        var count = new long[1];
        var device = bench.Kernel.CreateDevice("loopback", static (_, ctx, _, _) => Interlocked.Increment(ref ((long[])((DeviceObject)ctx!).Extension!)[0]), count);
        bench.ConnectGpio(1, input, static (_, ctx, ref _) =>
        {
            _ = ((DeviceObject)ctx!).RequestDpc();
            return true;
        }, device, "loopback irq");
        run.Progress.WriteLine($"Toggling {bench.Pins.Describe("stimulus")} every {IntervalNs / 1000} µs; the jumper carries each edge to {bench.Pins.Describe("irq")}. {run.Duration.TotalSeconds:0} s, Ctrl+C stops early.");
        bench.Start();
        var driven = 0L;
        var high = false;
        var end = GpioBench.NowNs + (long)run.Duration.TotalNanoseconds;
        // A late wake-up delays the toggles after it rather than bunching them: edges closer than the interval would
        // measure the catch-up, not the path.
        for (var next = GpioBench.NowNs + IntervalNs; next < end && !run.Cancellation.IsCancellationRequested; next = SoftwareClock.NextDeadline(next, IntervalNs))
        {
            DpcPi.Platform.MonotonicClock.SleepUntil(next);
            high = !high;
            output.Write(outputLine, high ? PinValue.High : PinValue.Low);
            driven++;
        }

        GpioBench.WaitForEdges(input, driven, TimeSpan.FromSeconds(2));
        bench.Stop(); // runs the last edge's DPC
        var isr = bench.Kernel.Figures.MergeStage(LatencyStage.EdgeToIsr);
        var dpc = bench.Kernel.Figures.MergeStage(LatencyStage.EdgeToDpcStart);
        var stats = input.TotalStatistics;
        var dpcs = Interlocked.Read(ref count[0]);
        var unreported = GpioBench.Unreported(input, driven);
        return new LabResult.Builder(Name)
            .Line(Title).Line()
            .Line($"{driven} edges driven on {bench.Pins.Describe("stimulus")}, one every {IntervalNs / 1000} µs.")
            .Line($"DPCs run: {dpcs}; GPIO delivered {stats.Delivered}, lost {stats.Lost}, merged {stats.Merged}.")
            .LineIfAny(GpioBench.UnreportedLine(unreported))
            .Line($"edge→ISR: min {isr.Min} ns, p99 {isr.GetValueAtPercentile(99)} ns, max {isr.Max} ns.")
            .Line($"edge→DPC: min {dpc.Min} ns, p99 {dpc.GetValueAtPercentile(99)} ns, max {dpc.Max} ns.")
            .Line()
            .Line(driven > 0 && stats.Delivered == 0 ? "No edge arrived: is the jumper on the two pins above?" : "For the full distribution and a report: dpcpi latency --source gpio.")
            .Figure("edges", driven)
            .Figure("dpcs", dpcs)
            .Figure("delivered", stats.Delivered)
            .Figure("lost", stats.Lost)
            .Figure("unreported edges", unreported)
            .Figure("edge to isr max", isr.Max, "ns")
            .Figure("edge to dpc min", dpc.Min, "ns")
            .Figure("edge to dpc max", dpc.Max, "ns")
            .Build();
    }
}
