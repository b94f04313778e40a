using System.Globalization;
using DpcPi.Gpio;
using DpcPi.Labs.Framework;

namespace DpcPi.Labs.ClockTick;

/// <summary>The clock-tick lab's fake scenario: a 1 kHz clock (PWM looped into GPIO26), three threads, a 3-tick quantum.</summary>
public sealed class ClockTickLab : ILab
{
    public const int ClockLine = 26;
    public const long TickNs = 1_000_000;

    public int Ticks { get; init; } = 30;

    public int QuantumTicks { get; init; } = 3;

    public IReadOnlyList<string> Threads { get; init; } = ["editor", "compiler", "player"];

    public string Name => "clock-tick";

    public string Title => "Clock tick: quantum accounting in the ISR, the dispatch in a DPC";

    public string Summary => "a periodic clock ISR charges the running thread; an expired quantum queues the dispatch DPC (round robin)";

    public LabResult RunFake()
    {
        using var bench = new FakeBench();
        var d = Run(bench);
        var b = new LabResult.Builder(Name).Line(Title).Line();
        b.Line($"{Ticks} ticks of {TickNs / 1000} µs, quantum {QuantumTicks} ticks, threads {string.Join(", ", Threads)}.");
        b.Line("tick  quantum of   →  next      tick→dispatch (µs)");
        foreach (var s in d.Schedule)
        {
            b.Line(string.Create(CultureInfo.InvariantCulture, $"{s.Tick,4}  {s.From,-10} →  {s.To,-9} {s.TickToDispatchNs / 1000.0,8:0.0}"));
        }

        b.Line();
        for (var i = 0; i < Threads.Count; i++)
        {
            b.Line($"{Threads[i]}: {d.ChargedTicks[i]} ticks");
            b.Figure($"ticks charged to {Threads[i]}", d.ChargedTicks[i]);
        }

        b.Line().Line("The ISR runs at clock IRQL and only counts; the switch itself waits for DISPATCH_LEVEL, which is")
            .Line("why on Windows the dispatcher is a software interrupt at the same level as DPCs.");
        return b.Figure("ticks", d.Ticks)
            .Figure("dispatches", d.Schedule.Count)
            .Figure("tick to dispatch max", d.Schedule.Count == 0 ? 0 : d.Schedule.Max(s => s.TickToDispatchNs) / 1000.0, "µs")
            .Build();
    }

    public ClockTickDriver Run(FakeBench bench)
    {
        ArgumentNullException.ThrowIfNull(bench);
        var driver = new ClockTickDriver(bench.Kernel, Threads, QuantumTicks);
        var clock = bench.Request(new GpioLineRequestOptions("lab-clock-tick").Add(ClockLine, GpioLineSettings.Input(PinEventTypes.Rising, GpioBias.PullDown)));
        bench.ConnectGpio(1, clock, ClockTickDriver.Isr, driver, "clock");
        var t0 = bench.StartNs + TickNs;
        bench.Gpio.Schedule(FakeBench.Chip, ClockLine, SignalGenerators.SquareWave(t0, TickNs, 0.5, Ticks));
        bench.RunUntil(t0 + (Ticks * TickNs));
        return driver;
    }

    public TimeSpan GpioDuration => TimeSpan.FromSeconds(2);

    /// <summary>On a Pi: DpcPi toggles pwm-clock at 1 kHz (a software clock, <see cref="SoftwareClock"/>); the jumper makes each rising edge a tick.</summary>
    public LabResult RunGpio(GpioBench bench, GpioLabRun run)
    {
        ArgumentNullException.ThrowIfNull(bench);
        ArgumentNullException.ThrowIfNull(run);
        var outLine = bench.Pins.Line("pwm-clock");
        var tickLine = bench.Pins.Line("tick");
        var driver = new ClockTickDriver(bench.Kernel, Threads, QuantumTicks);
        var clock = bench.Request(new GpioLineRequestOptions("lab-clock-tick").Add(tickLine, GpioLineSettings.Input(PinEventTypes.Rising, GpioBias.PullDown)));
        var output = bench.Request(new GpioLineRequestOptions("lab-clock-tick-pwm").Add(outLine, GpioLineSettings.Output()));
        bench.ConnectGpio(1, clock, ClockTickDriver.Isr, driver, "clock");
        run.Progress.WriteLine($"Clock: {TickNs / 1000} µs square wave on {bench.Pins.Describe("pwm-clock")}, ticks on {bench.Pins.Describe("tick")}, for {run.Duration.TotalSeconds:0} s.");
        bench.Start();
        var wave = new SoftwareClock().Add(output, outLine, TickNs, TickNs / 2);
        var start = GpioBench.NowNs + TickNs;
        wave.Run(start, start + (long)run.Duration.TotalNanoseconds, run.Cancellation);
        GpioBench.WaitForEdges(clock, wave.Cycles[0], TimeSpan.FromSeconds(2));
        bench.Stop();
        var lost = clock.TotalStatistics.Lost;
        var unreported = GpioBench.Unreported(clock, wave.Cycles[0]);
        var b = new LabResult.Builder(Name).Line(Title).Line();
        b.Line($"{wave.Cycles[0]} clock edges driven, {driver.Ticks} ticks taken, {lost} lost in the kernel's queue, {driver.Schedule.Count} dispatches (quantum {QuantumTicks} ticks).");
        b.LineIfAny(GpioBench.UnreportedLine(unreported));

        for (var i = 0; i < Threads.Count; i++)
        {
            b.Line($"{Threads[i]}: {driver.ChargedTicks[i]} ticks");
            b.Figure($"ticks charged to {Threads[i]}", driver.ChargedTicks[i]);
        }

        var worst = driver.Schedule.Count == 0 ? 0 : driver.Schedule.Max(s => s.TickToDispatchNs) / 1000.0;
        b.Line(string.Create(CultureInfo.InvariantCulture, $"tick→dispatch max {worst:0.0} µs."));
        b.Line().Line(driver.Ticks == 0 ? "No tick arrived: is the jumper from pin 32 to pin 37 in place?" : "Fewer ticks than edges: lost ones overflowed the kernel's queue while the ISR thread fell behind; unreported ones the kernel merged.");
        return b.Figure("edges driven", wave.Cycles[0])
            .Figure("ticks", driver.Ticks)
            .Figure("lost edges", lost)
            .Figure("unreported edges", unreported)
            .Figure("dispatches", driver.Schedule.Count)
            .Figure("tick to dispatch max", worst, "µs")
            .Build();
    }
}
