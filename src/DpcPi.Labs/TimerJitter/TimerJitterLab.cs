using System.Globalization;
using DpcPi.Gpio;
using DpcPi.Kernel;
using DpcPi.Labs.Framework;

namespace DpcPi.Labs.TimerJitter;

/// <summary>Measures a periodic interrupt source: the ISR stores each rising edge's kernel timestamp, the DPC turns them into periods.</summary>
public sealed class PeriodMeter
{
    private readonly List<long> _periods = [];
    private long _last = -1;

    public PeriodMeter(DpcKernel kernel, string name, long nominalNs)
    {
        NominalNs = nominalNs;
        Device = kernel.CreateDevice(name, static (_, ctx, _, _) => ((PeriodMeter)((DeviceObject)ctx!).Extension!).DpcForIsr(), this);
    }

    public long NominalNs { get; }

    public DeviceObject Device { get; }

    public EdgeRing Ring { get; } = new(256);

    public IReadOnlyList<long> Periods => _periods;

    /// <summary>The largest |period - nominal|.</summary>
    public long MaxJitterNs => _periods.Count == 0 ? 0 : _periods.Max(p => Math.Abs(p - NominalNs));

    public static bool Isr(Interrupt interrupt, object? context, ref InterruptFrame frame)
    {
        var m = (PeriodMeter)((DeviceObject)context!).Extension!;
        m.Ring.TryWrite(new Framework.EdgeRecord(frame.TimestampNs, frame.Sequence, frame.Line, frame.Code));
        _ = m.Device.RequestDpc(); // already queued is still this device's interrupt: handled
        return true;
    }

    private void DpcForIsr()
    {
        while (Ring.TryRead(out var e))
        {
            if (_last >= 0)
            {
                _periods.Add(e.TimestampNs - _last);
            }

            _last = e.TimestampNs;
        }
    }
}

/// <summary>
/// The timer-jitter lab's fake scenario: a 1 kHz PWM whose edges wander by up to ±<see cref="InjectedJitterNs"/>
/// (seeded) looped into an input, against an exact 1 kHz timer-like source; both measured as periodic interrupts.
/// </summary>
public sealed class TimerJitterLab : ILab
{
    public const int PwmInputLine = 23;
    public const int TimerInputLine = 24;
    public const long PeriodNs = 1_000_000;

    public int Cycles { get; init; } = 100;

    public long InjectedJitterNs { get; init; } = 2_000;

    public string Name => "timer-jitter";

    public string Title => "Timer vs PWM loopback: jitter of two periodic interrupt sources";

    public string Summary => "PWM looped into an input vs an exact timer; period jitter of both, from kernel timestamps";

    /// <summary>The PWM's rising-edge times with seeded jitter in [-J, +J] (falling edges halfway, unperturbed).</summary>
    public FakeLevelChange[] JitteredPwm(long startNs)
    {
        var random = new Random(7);
        var wave = SignalGenerators.Pwm(startNs, 1e9 / PeriodNs, 0.5, Cycles);
        for (var i = 0; i < wave.Length; i += 2)
        {
            wave[i] = new FakeLevelChange(wave[i].TimestampNs + random.NextInt64(-InjectedJitterNs, InjectedJitterNs + 1), PinValue.High);
        }

        return wave;
    }

    public LabResult RunFake()
    {
        var (pwm, timer) = Run();
        return new LabResult.Builder(Name).Line(Title).Line()
            .Line($"{Cycles} periods of {PeriodNs / 1000} µs; PWM edges perturbed by up to ±{InjectedJitterNs} ns (seeded).")
            .Line(string.Create(CultureInfo.InvariantCulture, $"PWM loopback: period min {pwm.Periods.Min()} ns, max {pwm.Periods.Max()} ns, max jitter {pwm.MaxJitterNs} ns."))
            .Line(string.Create(CultureInfo.InvariantCulture, $"Timer:        period min {timer.Periods.Min()} ns, max {timer.Periods.Max()} ns, max jitter {timer.MaxJitterNs} ns."))
            .Line()
            .Line("Both are measured from kernel timestamps, so what you see is the source's own jitter, not the")
            .Line("ISR's or DPC's latency. A period's error can reach twice the edge jitter (one edge early, the next late).")
            .Figure("pwm periods", pwm.Periods.Count)
            .Figure("pwm max jitter", pwm.MaxJitterNs, "ns")
            .Figure("timer periods", timer.Periods.Count)
            .Figure("timer max jitter", timer.MaxJitterNs, "ns")
            .Build();
    }

    public (PeriodMeter Pwm, PeriodMeter Timer) Run()
    {
        using var bench = new FakeBench();
        var pwm = new PeriodMeter(bench.Kernel, "pwm", PeriodNs);
        var timer = new PeriodMeter(bench.Kernel, "timer", PeriodNs);
        var rising = GpioLineSettings.Input(PinEventTypes.Rising, GpioBias.PullDown);
        bench.ConnectGpio(1, bench.Request(new GpioLineRequestOptions("lab-pwm").Add(PwmInputLine, rising)), PeriodMeter.Isr, pwm.Device, "pwm loopback");
        bench.ConnectGpio(2, bench.Request(new GpioLineRequestOptions("lab-timer").Add(TimerInputLine, rising)), PeriodMeter.Isr, timer.Device, "timer");
        var t0 = bench.StartNs + PeriodNs;
        bench.Gpio.Schedule(FakeBench.Chip, PwmInputLine, JitteredPwm(t0));
        bench.Gpio.Schedule(FakeBench.Chip, TimerInputLine, SignalGenerators.SquareWave(t0 + (PeriodNs / 4), PeriodNs, 0.5, Cycles));
        bench.RunUntil(t0 + ((Cycles + 1) * PeriodNs));
        return (pwm, timer);
    }

    public TimeSpan GpioDuration => TimeSpan.FromSeconds(2);

    /// <summary>
    /// On a Pi: DpcPi toggles pwm at 1 kHz (<see cref="SoftwareClock"/>, clock_nanosleep) into pwm-in, and a
    /// 1 kHz timerfd interrupt runs beside it. Periods of the looped edges come from kernel edge timestamps;
    /// the timer's from the moment its ISR ran (its own timestamp is the programmed expiry, exact by design).
    /// </summary>
    public LabResult RunGpio(GpioBench bench, GpioLabRun run)
    {
        ArgumentNullException.ThrowIfNull(bench);
        ArgumentNullException.ThrowIfNull(run);
        var outLine = bench.Pins.Line("pwm");
        var pwm = new PeriodMeter(bench.Kernel, "pwm", PeriodNs);
        var timer = new PeriodMeter(bench.Kernel, "timer", PeriodNs);
        var rising = GpioLineSettings.Input(PinEventTypes.Rising, GpioBias.PullDown);
        var pwmIn = bench.Request(new GpioLineRequestOptions("lab-pwm").Add(bench.Pins.Line("pwm-in"), rising));
        bench.ConnectGpio(1, pwmIn, PeriodMeter.Isr, pwm.Device, "pwm loopback");
        var output = bench.Request(new GpioLineRequestOptions("lab-pwm-out").Add(outLine, GpioLineSettings.Output()));
        using var timerfd = new DpcPi.Interrupts.TimerInterruptSource();
        bench.Kernel.ConnectInterrupt(2, static (irq, ctx, ref f) =>
        {
            var m = (PeriodMeter)((DeviceObject)ctx!).Extension!;
            m.Ring.TryWrite(new EdgeRecord(DpcPi.Platform.MonotonicClock.NowNs, f.Sequence, f.Line, f.Code));
            _ = m.Device.RequestDpc();
            return true;
        }, timer.Device, timerfd, Irql.Device, "timer");
        bench.Controller.Register(timerfd.Handle, 2);
        run.Progress.WriteLine($"1 kHz on {bench.Pins.Describe("pwm")} looped into {bench.Pins.Describe("pwm-in")}, beside a 1 kHz timerfd, for {run.Duration.TotalSeconds:0} s.");
        bench.Start();
        var start = GpioBench.NowNs + PeriodNs;
        timerfd.Start(start + (PeriodNs / 4), PeriodNs);
        var wave = new SoftwareClock().Add(output, outLine, PeriodNs, PeriodNs / 2);
        wave.Run(start, start + (long)run.Duration.TotalNanoseconds, run.Cancellation);
        timerfd.Stop();
        GpioBench.WaitForEdges(pwmIn, wave.Cycles[0], TimeSpan.FromSeconds(2));
        bench.Stop();
        var stats = pwmIn.TotalStatistics;
        var unreported = GpioBench.Unreported(pwmIn, wave.Cycles[0]);
        static string Line(string what, PeriodMeter m) => m.Periods.Count == 0
            ? $"{what}: no periods (nothing arrived)."
            : string.Create(CultureInfo.InvariantCulture, $"{what}: {m.Periods.Count} periods, min {m.Periods.Min()} ns, max {m.Periods.Max()} ns, max jitter {m.MaxJitterNs} ns.");
        return new LabResult.Builder(Name).Line(Title).Line()
            .Line($"PWM loopback: {wave.Cycles[0]} rising edges driven, {stats.Delivered} read, {stats.Lost} lost in the kernel's queue, {unreported} unreported.")
            .Line(Line("PWM loopback", pwm))
            .Line(Line("Timer (ISR entry)", timer))
            .Line()
            .Line("The loop's edges are toggled by a thread woken by a timer, so its jitter is that wake-up's;")
            .Line("the timer's is how late the ISR thread ran. Load the Pi (stress-ng) and run again.")
            .Figure("pwm edges driven", wave.Cycles[0])
            .Figure("pwm edges", stats.Delivered)
            .Figure("pwm lost edges", stats.Lost)
            .Figure("pwm unreported edges", unreported)
            .Figure("pwm periods", pwm.Periods.Count)
            .Figure("pwm max jitter", pwm.MaxJitterNs, "ns")
            .Figure("timer periods", timer.Periods.Count)
            .Figure("timer max jitter", timer.MaxJitterNs, "ns")
            .Build();
    }
}
