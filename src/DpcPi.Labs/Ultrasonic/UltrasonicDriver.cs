using DpcPi.Kernel;
using DpcPi.Labs.Framework;

namespace DpcPi.Labs.Ultrasonic;

/// <summary>
/// An HC-SR04 distance sensor. The driver pulses TRIG (10 µs); the sensor answers with an ECHO pulse
/// as long as the sound's round trip. The ISR stores the kernel timestamps of the echo's rising and
/// falling edges; the DPC pairs them into a width and converts it: distance = width × c / 2. Because
/// both stamps are the kernel's (taken at the edge, not when the ISR or DPC ran), ISR and DPC latency
/// do not enter the measurement.
/// </summary>
public sealed class UltrasonicDriver
{
    /// <summary>Speed of sound in dry air at 20 °C.</summary>
    public const double SpeedOfSoundMps = 343.0;
    private readonly List<double> _distances = [];
    private readonly List<long> _widths = [];
    private long _riseNs = -1;

    public UltrasonicDriver(DpcKernel kernel) =>
        Device = kernel.CreateDevice("hcsr04", static (_, ctx, _, _) => ((UltrasonicDriver)((DeviceObject)ctx!).Extension!).DpcForIsr(), this);

    public DeviceObject Device { get; }

    public EdgeRing Ring { get; } = new(64);

    public IReadOnlyList<double> DistancesM => _distances;

    public IReadOnlyList<long> EchoWidthsNs => _widths;

    /// <summary>Falling edges without a rising edge before them (a lost or merged edge).</summary>
    public int Unpaired { get; private set; }

    public static double DistanceFromWidth(long widthNs) => widthNs * 1e-9 * SpeedOfSoundMps / 2;

    public static long WidthFromDistance(double metres) => (long)Math.Round(2 * metres / SpeedOfSoundMps * 1e9);

    public static bool Isr(Interrupt interrupt, object? context, ref InterruptFrame frame)
    {
        var driver = (UltrasonicDriver)((DeviceObject)context!).Extension!;
        return driver.Ring.QueueFromIsr(driver.Device, frame);
    }

    private void DpcForIsr()
    {
        while (Ring.TryRead(out var e))
        {
            if (e.Rising)
            {
                _riseNs = e.TimestampNs;
            }
            else if (_riseNs >= 0)
            {
                var width = e.TimestampNs - _riseNs;
                _widths.Add(width);
                _distances.Add(DistanceFromWidth(width));
                _riseNs = -1;
            }
            else
            {
                Unpaired++;
            }
        }
    }
}
