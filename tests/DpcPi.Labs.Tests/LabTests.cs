using DpcPi.Gpio;
using DpcPi.Labs.Button;
using DpcPi.Labs.Dropout;
using DpcPi.Labs.Encoder;
using DpcPi.Labs.Framework;
using DpcPi.Labs.Loopback;
using DpcPi.Labs.Ultrasonic;

namespace DpcPi.Labs.Tests;

public sealed class LabTests
{
    [Fact]
    public void Catalog_EveryLab_HasWiringRecipeAndDiagram()
    {
        foreach (var lab in LabCatalog.All)
        {
            var dir = Path.Combine(RepoPaths.WiringRoot, lab.Name);
            Assert.True(File.Exists(Path.Combine(dir, "wiring.json")), $"{lab.Name}: wiring.json missing");
            Assert.True(File.Exists(Path.Combine(dir, "wiring.svg")), $"{lab.Name}: wiring.svg missing");
            Assert.True(File.Exists(Path.Combine(dir, "README.md")), $"{lab.Name}: README.md missing");
        }
    }

    [Fact]
    public void RunFake_EveryLabTwice_GivesIdenticalResults()
    {
        foreach (var lab in LabCatalog.All)
        {
            Assert.Equal(lab.RunFake().Format(), lab.RunFake().Format());
        }
    }

    [Fact]
    public void Button_BouncingPresses_SoftwareDebounceCountsEachOnceAtFirstEdge()
    {
        var lab = new ButtonLab { Presses = 6 };

        var driver = lab.RunSoftware(out var raw, out var starts, out _);

        Assert.Equal(6, driver.Presses);
        Assert.Equal(6, driver.Releases);
        Assert.Equal(6 * (9 + 7), raw); // 2*4+1 edges per close, 2*3+1 per release
        Assert.Equal(starts, driver.PressTimes);
    }

    [Fact]
    public void Button_KernelDebounce_StampsLastBouncePlusPeriod()
    {
        var lab = new ButtonLab { Presses = 6 };

        var kernel = lab.RunKernelDebounce();
        lab.RunSoftware(out _, out var starts, out var lastBounces);

        Assert.Equal(lastBounces.Select(t => t + ButtonLab.StableNs), kernel);
        Assert.All(kernel.Zip(starts), p => Assert.True(p.First - p.Second > ButtonLab.StableNs));
    }

    [Fact]
    public void Button_RunFake_ReportsEqualCountsAndTheStampDifference()
    {
        var r = new ButtonLab().RunFake();

        Assert.Equal(5, r.Figure("presses (software debounce)"));
        Assert.Equal(5, r.Figure("presses (kernel debounce)"));
        Assert.True(r.Figure("kernel - software stamp mean") > 5.0);
        Assert.Contains("stamps it THEN", r.Report, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(12, 5)]
    [InlineData(1, 0)]
    [InlineData(0, 7)]
    [InlineData(30, 30)]
    public void Encoder_ClicksBothWays_CountsEveryClickWithDirection(int cw, int ccw)
    {
        var d = new EncoderLab { ClicksClockwise = cw, ClicksCounterClockwise = ccw }.Run();

        Assert.Equal(cw, d.Clockwise);
        Assert.Equal(ccw, d.CounterClockwise);
        Assert.Equal(4L * (cw - ccw), d.Position);
        Assert.Equal(4L * (cw + ccw), d.Edges);
        Assert.Equal(0, d.LostEdges);
        Assert.Equal(0, d.InvalidTransitions);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Encoder_RestingHighOnPullUps_CountsClicksFromWhereTheKnobRests(bool restAt)
    {
        // A KY-040 on pull-ups rests with both contacts open (A=B=High); clockwise, A leads: A falls, B falls, A rises, B rises.
        using var bench = new FakeBench();
        var driver = new EncoderDriver(bench.Kernel, 5, 6);
        foreach (var line in new[] { 5, 6 })
        {
            bench.Gpio.SetInputLevel(FakeBench.Chip, line, PinValue.High, bench.StartNs - 1);
        }

        var both = GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling, GpioBias.PullUp);
        var request = bench.Request(new GpioLineRequestOptions("encoder").Add(5, both).Add(6, both));
        bench.ConnectGpio(1, request, EncoderDriver.Isr, driver.Device, "encoder");
        if (restAt)
        {
            driver.RestAt(request.Read(5) == PinValue.High, request.Read(6) == PinValue.High);
        }

        var t = bench.StartNs + 1_000_000;
        var (a, b) = (new List<FakeLevelChange>(), new List<FakeLevelChange>());
        for (var click = 0; click < 3; click++, t += 4_000_000)
        {
            a.Add(new(t, PinValue.Low));
            b.Add(new(t + 500_000, PinValue.Low));
            a.Add(new(t + 1_000_000, PinValue.High));
            b.Add(new(t + 1_500_000, PinValue.High));
        }

        bench.Gpio.Schedule(FakeBench.Chip, 5, a);
        bench.Gpio.Schedule(FakeBench.Chip, 6, b);
        bench.RunUntil(t + 1_000_000);

        // Without the levels the driver took Low/Low: the first click's two falling edges decode as no step, one click short.
        Assert.Equal(restAt ? (3, 12L) : (2, 10L), (driver.Clockwise, driver.Position));
        Assert.Equal(12, driver.Edges);
    }

    [Fact]
    public void Encoder_EdgesReadOutOfSequenceOrder_DecodedInSequenceOrder()
    {
        // The kernel numbers edges in its hard IRQ handler but queues them from each line's IRQ thread: B's edge
        // (seqno 2) can be read before A's (seqno 1). Two clockwise clicks from rest High/High, each click's
        // first two edges read swapped.
        using var bench = new FakeBench();
        var driver = new EncoderDriver(bench.Kernel, 5, 6);
        driver.RestAt(true, true);
        var t = bench.StartNs;
        EdgeRecord E(ulong seq, int line, bool rising) => new(t + ((long)seq * 1000), seq, line, rising ? 1 : 2);
        var read = new[] { E(2, 6, false), E(1, 5, false), E(3, 5, true), E(4, 6, true), E(6, 6, false), E(5, 5, false), E(7, 5, true), E(8, 6, true) };
        foreach (var e in read)
        {
            Assert.True(driver.Ring.TryWrite(e));
        }

        _ = driver.Device.RequestDpc();
        bench.Kernel.RunDpcs(FakeBench.Cpu);

        Assert.Equal((2, 0, 8L, 0, 0L), (driver.Clockwise, driver.CounterClockwise, driver.Position, driver.InvalidTransitions, driver.LostEdges));
    }

    [Fact]
    public void Ultrasonic_SimulatedTargets_DistanceWithinOnePercent()
    {
        var lab = new UltrasonicLab();

        var d = lab.Run();

        Assert.Equal(lab.TargetsM.Count, d.DistancesM.Count);
        Assert.Equal(0, d.Unpaired);
        for (var i = 0; i < lab.TargetsM.Count; i++)
        {
            Assert.InRange(d.DistancesM[i], lab.TargetsM[i] * 0.99, lab.TargetsM[i] * 1.01);
            Assert.Equal(UltrasonicDriver.WidthFromDistance(lab.TargetsM[i]), d.EchoWidthsNs[i]);
        }
    }

    [Fact]
    public void Dropout_Alone_NoDropouts()
    {
        var run = new DropoutLab().Run(withSlowDriver: false);

        Assert.Equal(200, run.Buffers);
        Assert.Equal(0, run.Dropouts);
        Assert.Equal("audio.DpcForIsr", run.Culprit);
    }

    [Fact]
    public void Dropout_LongDpcOnSameCore_TwoDropoutsPerLongDpcAndCulpritNamed()
    {
        // badnic fires at 10.5 ms + 40 ms * j (5 times in 200 ms) and holds the core for 2.5 ms: the buffers
        // arriving 0.5 ms and 1.5 ms later finish after their deadline (the next buffer), the third one makes it.
        var run = new DropoutLab().Run(withSlowDriver: true);

        Assert.Equal(200, run.Buffers);
        Assert.Equal(10, run.Dropouts);
        Assert.Equal([12UL, 13, 52, 53, 92, 93, 132, 133, 172, 173], run.Late);
        Assert.Equal("badnic.DpcForIsr", run.Culprit);
        Assert.Equal(2_500_000, run.CulpritNs);
    }

    [Fact]
    public void Loopback_FakeBench_ExactEdgeToIsrAndDpcLatency()
    {
        using var bench = new FakeBench();
        var lab = new LoopbackLab();

        var (dpcs, isr, dpc, gpio) = lab.Run(bench);

        Assert.Equal(100, dpcs);
        Assert.Equal(100, isr.TotalCount);
        Assert.Equal(2_000, isr.Min);
        Assert.Equal(2_000, isr.Max);
        Assert.Equal(5_000, dpc.Min);
        Assert.Equal(5_000, dpc.Max);
        Assert.Equal(0, gpio.Lost);
    }
}

public sealed class ClockTickLabTests
{
    [Fact]
    public void ClockTick_ThirtyTicksQuantumThree_RoundRobinEveryThirdTick()
    {
        using var bench = new FakeBench();

        var d = new DpcPi.Labs.ClockTick.ClockTickLab().Run(bench);

        Assert.Equal(30, d.Ticks);
        Assert.Equal([12L, 9, 9], d.ChargedTicks); // 10 quanta of 3 ticks, round robin: editor gets the 1st, 4th, 7th and 10th
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)(3 * i)), d.Schedule.Select(s => s.Tick));
        Assert.Equal(["compiler", "player", "editor", "compiler"], d.Schedule.Take(4).Select(s => s.To));
        Assert.All(d.Schedule, s => Assert.Equal(5_000, s.TickToDispatchNs));
    }
}

public sealed class TimerJitterLabTests
{
    [Fact]
    public void TimerJitter_JitteredPwmVsExactTimer_MeasuresInjectedJitterExactly()
    {
        var lab = new DpcPi.Labs.TimerJitter.TimerJitterLab();
        var rising = lab.JitteredPwm(1_000_000_000 + DpcPi.Labs.TimerJitter.TimerJitterLab.PeriodNs).Where(c => c.Level == DpcPi.Gpio.PinValue.High).Select(c => c.TimestampNs).ToArray();
        var expected = rising.Zip(rising.Skip(1), (a, b) => b - a).ToArray();

        var (pwm, timer) = lab.Run();

        Assert.Equal(expected, pwm.Periods);
        Assert.Equal(expected.Max(p => Math.Abs(p - DpcPi.Labs.TimerJitter.TimerJitterLab.PeriodNs)), pwm.MaxJitterNs);
        Assert.InRange(pwm.MaxJitterNs, 1, 2 * lab.InjectedJitterNs);
        Assert.Equal(lab.Cycles - 1, timer.Periods.Count);
        Assert.Equal(0, timer.MaxJitterNs);
    }
}
