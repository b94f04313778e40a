using DpcPi.Labs.Bindings;
using DpcPi.Labs.Button;

namespace DpcPi.Labs.Tests;

/// <summary>
/// The labs' Iot.Device.Bindings comparisons: the binding and DpcPi's kernel-stamped callbacks on one
/// GpioController over DpcPi's driver. DpcPi's figures are asserted exactly; the binding's depend on when its
/// callbacks or its polling thread run (that is the lesson), so only their presence is.
/// </summary>
public sealed class BesideTests
{
    [Fact]
    public void Decode_ClockwiseThenBack_CountsQuarterStepsAndDetents()
    {
        var steps = EncoderBeside.Steps(5, 6, 3, 1, 1).Concat(EncoderBeside.Steps(5, 6, -1, 1, 1)).ToList();
        var t = 0L;
        var edges = steps.Select(s => new LoggedEdge(s.Line, s.High, t += 1000, 0, 0)).ToList();

        var (quarter, detents, invalid) = EncoderBeside.Decode(edges, pinA: 5, a: true, b: true);

        Assert.Equal((8L, 2L, 0L), (quarter, detents, invalid));
    }

    [Fact]
    public void Decode_EdgeToTheLevelItsLineAlreadyHad_CountsItRepeatedNotAsAStep()
    {
        // A falls twice: the rising edge between them was lost.
        LoggedEdge[] edges = [new(6, false, 1, 0, 0), new(5, false, 2, 0, 0), new(5, false, 3, 0, 0)];

        var (quarter, _, repeated) = EncoderBeside.Decode(edges, pinA: 5, a: true, b: true);

        Assert.Equal((2L, 1L), (quarter, repeated));
    }

    [Fact]
    public void CountPresses_BouncingBurstsApartByMoreThanTheStableTime_CountsOnePressPerBurst()
    {
        var edges = new List<LoggedEdge>();
        foreach (var start in new long[] { 10_000_000, 300_000_000 })
        {
            edges.Add(new(17, false, start, 0, 0));
            edges.Add(new(17, true, start + 100_000, 0, 0)); // bounce
            edges.Add(new(17, false, start + 300_000, 0, 0)); // settles pressed
            edges.Add(new(17, true, start + 80_000_000, 0, 0)); // release
        }

        Assert.Equal(2, ButtonBeside.CountPresses(edges, startHigh: true));
    }

    [Fact]
    public void EncoderBeside_FakeSignal_DpcPiCountsEveryDetentAndTheBindingIsReported()
    {
        var result = new EncoderBeside().RunFake(realtime: false, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(result.Report); // what the student would see, for a failure's log

        var turned = EncoderBeside.Phases.Sum(p => p.Detents);
        Assert.Equal(turned, result.Figure("detents turned"));
        Assert.Equal(turned, result.Figure("dpcpi detents"));
        Assert.Equal(0, result.Figure("dpcpi repeated edges"));
        Assert.Equal(0, result.Figure("dpcpi lost edges"));
        _ = result.Figure("binding detents");
        Assert.Contains("QuadratureRotaryEncoder", result.Report, StringComparison.Ordinal);
    }

    [Fact]
    public void ButtonBeside_FakeSignal_DpcPiCountsEveryPressAndTheBindingIsReported()
    {
        var result = new ButtonBeside().RunFake(realtime: false, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(result.Report); // what the student would see, for a failure's log

        // Exact when the signal's thread kept every bounce gap under the debounce time; a stalled one makes a
        // stable gap inside a burst, where a debouncer rightly sees one more press.
        if (result.Figure("player stalls past the debounce") == 0)
        {
            Assert.Equal(ButtonBeside.CleanPresses + ButtonBeside.WornPresses, result.Figure("dpcpi presses"));
        }
        else
        {
            Assert.InRange(result.Figure("dpcpi presses"), ButtonBeside.CleanPresses + ButtonBeside.WornPresses, ButtonBeside.CleanPresses + ButtonBeside.WornPresses + result.Figure("player stalls past the debounce"));
        }

        Assert.Equal(ButtonBeside.CleanSteps(ButtonLab.Line).Count + ButtonBeside.WornSteps(ButtonLab.Line).Count, result.Figure("dpcpi raw edges"));
        Assert.Equal(0, result.Figure("dpcpi lost edges"));
        _ = result.Figure("binding presses");
    }

    [Fact]
    public void UltrasonicBeside_FakeSensor_DpcPiTimesEveryEchoWithinTheWidthTheSensorMade()
    {
        var result = new UltrasonicBeside().RunFake(realtime: false, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(result.Report); // what the student would see, for a failure's log

        // Every trigger (the binding's tries included) made an echo, DpcPi timed each, and each reading's echo
        // lies within the clock reads around the sensor's two writes.
        Assert.Equal(UltrasonicBeside.TargetsM.Length, result.Figure("readings"));
        Assert.Equal(result.Figure("binding readings"), result.Figure("echoes made"));
        Assert.Equal(result.Figure("echoes made"), result.Figure("dpcpi echoes"));
        Assert.Equal(UltrasonicBeside.TargetsM.Length, result.Figure("dpcpi echoes within what the sensor made"));
    }

    [Fact]
    public void Catalog_LabsWithABinding_AreTheEncoderButtonAndUltrasonic()
    {
        Assert.Equal(["encoder", "button", "ultrasonic"], BesideCatalog.All.Select(b => b.Lab));
        Assert.All(BesideCatalog.All, b => Assert.NotNull(Framework.LabCatalog.Find(b.Lab)));
    }
}
