using System.Device.Gpio;
using DpcPi.Platform;
using Iot.Device.Hcsr04;
using Lines = DpcPi.Gpio;
using static DpcPi.Gpio.GpioBackendExtensions;

namespace DpcPi.SystemDeviceGpio.Tests;

/// <summary>
/// Iot.Device.Hcsr04 over the driver. The binding triggers, then busy-polls Read(echo) around a Stopwatch, so
/// the fake needs a sensor that answers the trigger with an echo pulse of a known width in real time: a
/// thread watching a wire from the trigger pin, which sets the echo line high and, after the width, low.
/// </summary>
[Collection(nameof(SerialCollection))]
public sealed class Hcsr04Tests
{
    private const int Trigger = 5;
    private const int Echo = 6;
    private const int TriggerTap = 7; // wired to the trigger: the simulated module's input

    [Fact]
    public void Hcsr04_EchoPulseOf50Centimetres_MeasuresTheWidthTheModuleProduced()
    {
        const long widthNs = 2_915_000; // 50 cm: 2 x 50 cm / 34.3 cm per ms
        const long slackNs = 300_000; // the binding's own polling latency on each edge (tens of µs when not pre-empted)
        using var rig = new FakeRig();
        rig.Backend.AddWire(FakeRig.Chip, Trigger, FakeRig.Chip, TriggerTap);
        using var module = new Lines.FakeHcsr04(rig.Backend, FakeRig.Chip, TriggerTap, Echo, widthNs, sensorDelayNs: 100_000, priority: 41);
        using var sensor = new Hcsr04(rig.Controller, Trigger, Echo, shouldDispose: false);

        // The binding times the pulse with a Stopwatch around a busy Read() loop: a reading during which its
        // thread was pre-empted is off by the pre-emption (or misses the pulse), whatever the driver. So, as
        // one would on a Pi, it measures on a SCHED_FIFO thread when the process may have one (the module
        // too), and takes up to 10 readings, each compared with the pulse the module produced for it (within
        // 0.3 ms, about 5 cm); one must match. On a machine saturated by other work without SCHED_FIFO it can fail.
        var readings = new List<string>();
        var matched = false;
        Exception? failure = null;
        var measuring = new Thread(() =>
        {
            try
            {
                readings.Add(ThreadControl.SetRealtime(40) == 0 ? "SCHED_FIFO" : "SCHED_OTHER");
                for (var attempt = 0; attempt < 10 && !matched; attempt++)
                {
                    var pulses = module.Pulses.Count;
                    if (!sensor.TryGetDistance(out var distance))
                    {
                        readings.Add("no reading");
                        continue;
                    }

                    if (!SpinWait.SpinUntil(() => module.Pulses.Count > pulses, 5_000))
                    {
                        readings.Add("the module never ended its echo pulse");
                        continue;
                    }

                    var (shortest, longest) = (module.Pulses[^1].ShortestNs, module.Pulses[^1].LongestNs);
                    var (low, high) = (ToCentimetres(shortest - slackNs), ToCentimetres(longest + slackNs));
                    readings.Add($"{distance.Centimeters:F1} cm for a pulse of {low:F1}..{high:F1} cm");
                    matched = distance.Centimeters >= low && distance.Centimeters <= high && shortest >= widthNs;
                }
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        }) { Name = "hcsr04-measure" };
        measuring.Start();
        measuring.Join();

        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("; ", readings));
        Assert.Null(failure);
        Assert.True(matched, $"No reading matched the echo pulse produced: {string.Join("; ", readings)}.");
    }

    private static double ToCentimetres(long echoNs) => echoNs / 1e6 / 2 * 34.3;
}
