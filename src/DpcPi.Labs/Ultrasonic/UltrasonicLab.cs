using System.Globalization;
using DpcPi.Gpio;
using DpcPi.Labs.Framework;

namespace DpcPi.Labs.Ultrasonic;

/// <summary>
/// The ultrasonic lab's fake scenario: the driver triggers every 60 ms (the HC-SR04's recommended cycle);
/// a simulated sensor answers 450 µs after the trigger's falling edge with an echo as wide as the round
/// trip to each of <see cref="TargetsM"/>.
/// </summary>
public sealed class UltrasonicLab : ILab
{
    public const int TrigLine = 23;
    public const int EchoLine = 24;
    public const long TriggerWidthNs = 10_000;
    public const long SensorDelayNs = 450_000;
    public const long CycleNs = 60_000_000;

    public IReadOnlyList<double> TargetsM { get; init; } = [0.05, 0.25, 0.5, 1.0, 1.5, 2.345, 3.0, 4.0];

    public string Name => "ultrasonic";

    public string Title => "HC-SR04 ultrasonic ranger: pulse width from kernel timestamps";

    public string Summary => "trigger pulse out, echo width from the kernel's rising/falling timestamps, distance = width × c / 2";

    public LabResult RunFake()
    {
        var d = Run();
        var b = new LabResult.Builder(Name).Line(Title).Line();
        b.Line("target (m)  echo width (µs)  measured (m)  error (%)");
        var worst = 0.0;
        for (var i = 0; i < d.DistancesM.Count && i < TargetsM.Count; i++)
        {
            var error = Math.Abs(d.DistancesM[i] - TargetsM[i]) / TargetsM[i] * 100;
            worst = Math.Max(worst, error);
            b.Line(string.Create(CultureInfo.InvariantCulture, $"{TargetsM[i],10:0.000}  {d.EchoWidthsNs[i] / 1000.0,15:0.000}  {d.DistancesM[i],12:0.0000}  {error,9:0.0000}"));
        }

        b.Line().Line("The ISR and DPC run microseconds after each edge, but the width is the difference of the kernel's")
            .Line("edge timestamps, so their latency cancels out. With a userspace poll loop it would not.");
        return b.Figure("measurements", d.DistancesM.Count)
            .Figure("unpaired edges", d.Unpaired)
            .Figure("worst error", worst, "%")
            .Build();
    }

    public UltrasonicDriver Run()
    {
        using var bench = new FakeBench();
        var driver = new UltrasonicDriver(bench.Kernel);
        var trig = bench.Request(new GpioLineRequestOptions("lab-hcsr04-trig").Add(TrigLine, GpioLineSettings.Output()));
        var echo = bench.Request(new GpioLineRequestOptions("lab-hcsr04-echo").Add(EchoLine, GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling, GpioBias.PullDown)));
        bench.ConnectGpio(1, echo, UltrasonicDriver.Isr, driver.Device, "hcsr04 echo");
        var t = bench.StartNs + 1_000_000;
        foreach (var target in TargetsM)
        {
            // The driver's trigger: 10 µs high on TRIG.
            bench.AdvanceTo(t);
            trig.Write(TrigLine, PinValue.High);
            bench.AdvanceTo(t + TriggerWidthNs);
            trig.Write(TrigLine, PinValue.Low);

            // The simulated sensor: the echo pulse as wide as the round trip.
            bench.Gpio.Schedule(FakeBench.Chip, EchoLine, SignalGenerators.Pulse(t + TriggerWidthNs + SensorDelayNs, UltrasonicDriver.WidthFromDistance(target)));
            t += CycleNs;
            bench.RunUntil(t - 1_000);
        }

        return driver;
    }

    public TimeSpan GpioDuration => TimeSpan.FromSeconds(5);

    /// <summary>On a Pi: a 10 µs trigger every 60 ms; the echo width comes from the kernel's edge timestamps.</summary>
    public LabResult RunGpio(GpioBench bench, GpioLabRun run)
    {
        ArgumentNullException.ThrowIfNull(bench);
        ArgumentNullException.ThrowIfNull(run);
        var trigLine = bench.Pins.Line("trig");
        var echoLine = bench.Pins.Line("echo");
        var driver = new UltrasonicDriver(bench.Kernel);
        var trig = bench.Request(new GpioLineRequestOptions("lab-hcsr04-trig").Add(trigLine, GpioLineSettings.Output()));
        var echo = bench.Request(new GpioLineRequestOptions("lab-hcsr04-echo").Add(echoLine, GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling, GpioBias.PullDown)));
        bench.ConnectGpio(1, echo, UltrasonicDriver.Isr, driver.Device, "hcsr04 echo");
        run.Progress.WriteLine($"Point the sensor at a wall 0.5 m away, then 1 m. Triggering on {bench.Pins.Describe("trig")} every {CycleNs / 1_000_000} ms for {run.Duration.TotalSeconds:0} s, echo on {bench.Pins.Describe("echo")} through the divider.");
        bench.Start();
        var triggers = 0;
        var end = GpioBench.NowNs + (long)run.Duration.TotalNanoseconds;
        // Never two triggers closer than half a cycle after a late wake-up: the sensor would ignore the second.
        for (var t = GpioBench.NowNs + 1_000_000; t < end && !run.Cancellation.IsCancellationRequested; t = SoftwareClock.NextDeadline(t, CycleNs))
        {
            DpcPi.Platform.MonotonicClock.SleepUntil(t);
            trig.Write(trigLine, PinValue.High);
            while (GpioBench.NowNs < t + TriggerWidthNs)
            {
                Thread.SpinWait(20); // 10 µs is below any sleep's resolution
            }

            trig.Write(trigLine, PinValue.Low);
            triggers++;
        }

        Thread.Sleep(70); // the last echo (at most 38 ms: the sensor's "nothing there")
        bench.Stop();
        var d = driver.DistancesM;
        var sorted = d.Order().ToArray();
        var b = new LabResult.Builder(Name).Line(Title).Line();
        b.Line($"{triggers} triggers, {d.Count} echoes measured, {driver.Unpaired} unpaired edges.");
        if (sorted.Length > 0)
        {
            b.Line(string.Create(CultureInfo.InvariantCulture, $"distance: min {sorted[0]:0.000} m, median {sorted[sorted.Length / 2]:0.000} m, max {sorted[^1]:0.000} m."));
        }
        else
        {
            b.Line("No echo: check VCC on 5 V, GND, and that ECHO reaches the GPIO through the 1k/2k divider.");
        }

        b.Line().Line("Each width is the difference of two kernel edge timestamps: the ISR's and DPC's own latency cancel out.");
        return b.Figure("triggers", triggers)
            .Figure("measurements", d.Count)
            .Figure("unpaired edges", driver.Unpaired)
            .Figure("median distance", sorted.Length == 0 ? 0 : sorted[sorted.Length / 2], "m")
            .Build();
    }
}
