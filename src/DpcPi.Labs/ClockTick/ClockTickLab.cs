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
}
