using DpcPi.Gpio;
using DpcPi.Labs.Framework;

namespace DpcPi.Labs.Encoder;

/// <summary>The encoder lab's fake scenario: <see cref="ClicksClockwise"/> clicks one way, then <see cref="ClicksCounterClockwise"/> back.</summary>
public sealed class EncoderLab : ILab
{
    public const int LineA = 5;
    public const int LineB = 6;
    public const long StepNs = 500_000;

    public int ClicksClockwise { get; init; } = 12;

    public int ClicksCounterClockwise { get; init; } = 5;

    public string Name => "encoder";

    public string Title => "Quadrature encoder: one request, decoded in sequence order";

    public string Summary => "rotary encoder on two lines in one request; the DPC decodes edges by seqno into clicks and direction";

    public LabResult RunFake()
    {
        var d = Run();
        return new LabResult.Builder(Name)
            .Line(Title).Line()
            .Line($"Turned {ClicksClockwise} clicks clockwise, then {ClicksCounterClockwise} counter-clockwise (4 quarter steps per click, one every {StepNs / 1000} µs).")
            .Decoded(d)
            .Line()
            .Line("Both channels are in one line request, so the kernel gives A and B edges one sequence number")
            .Line("space: the DPC can decode them in the order they happened even if it runs late and drains many at once.")
            .DecodedFigures(d)
            .Build();
    }

    public EncoderDriver Run()
    {
        using var bench = new FakeBench();
        var driver = new EncoderDriver(bench.Kernel, LineA, LineB);
        var both = GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling, GpioBias.PullUp);
        var request = bench.Request(new GpioLineRequestOptions("lab-encoder").Add(LineA, both).Add(LineB, both));
        bench.ConnectGpio(1, request, EncoderDriver.Isr, driver.Device, "encoder A+B");
        var t0 = bench.StartNs + 1_000_000;
        var (a1, b1) = SignalGenerators.QuadratureEncoder(t0, 4 * ClicksClockwise, StepNs);
        var t1 = t0 + ((4L * ClicksClockwise) + 10) * StepNs;
        var (a2, b2) = SignalGenerators.QuadratureEncoder(t1, -4 * ClicksCounterClockwise, StepNs);
        bench.Gpio.Schedule(FakeBench.Chip, LineA, a1.Concat(a2));
        bench.Gpio.Schedule(FakeBench.Chip, LineB, b1.Concat(b2));
        bench.RunUntil(t1 + ((4L * ClicksCounterClockwise) + 10) * StepNs);
        driver.Flush();
        return driver;
    }

    public TimeSpan GpioDuration => TimeSpan.FromSeconds(20);

    /// <summary>On a Pi: the student turns the knob; both channels in one request, decoded by sequence number in the DPC.</summary>
    public LabResult RunGpio(GpioBench bench, GpioLabRun run)
    {
        ArgumentNullException.ThrowIfNull(bench);
        ArgumentNullException.ThrowIfNull(run);
        var lineA = bench.Pins.Line("enc-a");
        var lineB = bench.Pins.Line("enc-b");
        var driver = new EncoderDriver(bench.Kernel, lineA, lineB);
        var both = GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling, GpioBias.PullUp);
        var request = bench.Request(new GpioLineRequestOptions("lab-encoder").Add(lineA, both).Add(lineB, both));
        bench.ConnectGpio(1, request, EncoderDriver.Isr, driver.Device, "encoder A+B");
        var rest = request.ReadValues(0b11); // A and B in one read; on pull-ups at rest both High
        driver.RestAt((rest & 1) != 0, (rest & 2) != 0, GpioBench.NowNs);
        run.Progress.WriteLine($"Turn the knob ten clicks clockwise, then five back, in the next {run.Duration.TotalSeconds:0} s (A: {bench.Pins.Describe("enc-a")}, B: {bench.Pins.Describe("enc-b")}; Ctrl+C stops early).");
        bench.Start();
        run.Wait();
        bench.Stop();
        driver.Flush();
        return new LabResult.Builder(Name)
            .Line(Title).Line()
            .Decoded(driver)
            .Line()
            .Line("Invalid transitions are contact bounce on a mechanical encoder: the sequence numbers still keep A and B in order.")
            .DecodedFigures(driver)
            .Build();
    }
}

/// <summary>What the encoder's driver decoded, worded and figured the same on the fake bench and on real pins.</summary>
internal static class EncoderResultLines
{
    public static LabResult.Builder Decoded(this LabResult.Builder b, EncoderDriver d) => b
        .Line($"Edges decoded: {d.Edges}, lost (seqno gaps): {d.LostEdges}, invalid transitions: {d.InvalidTransitions}.")
        .Line($"Clicks: {d.Clockwise} clockwise, {d.CounterClockwise} counter-clockwise; position {d.Position} quarter steps ({d.Position / 4} clicks).");

    public static LabResult.Builder DecodedFigures(this LabResult.Builder b, EncoderDriver d) => b
        .Figure("edges", d.Edges)
        .Figure("lost edges", d.LostEdges)
        .Figure("invalid transitions", d.InvalidTransitions)
        .Figure("clicks clockwise", d.Clockwise)
        .Figure("clicks counter-clockwise", d.CounterClockwise)
        .Figure("position", d.Position, "quarter steps");
}
