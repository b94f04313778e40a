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
}
