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
        using var module = new SimulatedModule(rig.Backend, TriggerTap, Echo, widthNs);
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
                    var pulses = module.Pulses;
                    if (!sensor.TryGetDistance(out var distance))
                    {
                        readings.Add("no reading");
                        continue;
                    }

                    if (!SpinWait.SpinUntil(() => module.Pulses > pulses, 5_000))
                    {
                        readings.Add("the module never ended its echo pulse");
                        continue;
                    }

                    var (shortest, longest) = module.LastPulseNs;
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

    /// <summary>The HC-SR04 itself: answers each trigger pulse's falling edge with an echo pulse on its own thread.</summary>
    private sealed class SimulatedModule : IDisposable
    {
        private readonly Lines.FakeGpioBackend _backend;
        private readonly Lines.GpioLineRequest _trigger;
        private readonly int _echo;
        private readonly long _widthNs;
        private readonly Thread _thread;
        private volatile bool _stop;
        private long _shortest;
        private long _longest;
        private int _pulses;

        public SimulatedModule(Lines.FakeGpioBackend backend, int triggerTap, int echo, long widthNs)
        {
            _backend = backend;
            _echo = echo;
            _widthNs = widthNs;
            _trigger = backend.RequestLine(FakeRig.Chip, triggerTap, Lines.GpioLineSettings.Input(Lines.PinEventTypes.Falling), consumer: "hcsr04-module");
            _thread = new Thread(Run) { IsBackground = true, Name = "hcsr04-module" };
            _thread.Start();
        }

        public int Pulses => Volatile.Read(ref _pulses);

        /// <summary>The last echo pulse's width as produced: at least, and at most (the level calls themselves take time).</summary>
        public (long Shortest, long Longest) LastPulseNs => (Interlocked.Read(ref _shortest), Interlocked.Read(ref _longest));

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
            _trigger.Dispose();
        }

        private void Run()
        {
            // Sleeps (epoll, clock_nanosleep) rather than spins: the binding's busy loop needs the other core.
            _ = ThreadControl.SetRealtime(41); // answers on time even while the measuring thread spins (if permitted)
            _ = ThreadControl.SetTimerSlack(1);
            using var ready = new Epoll(1);
            ready.Add(_trigger.ReadinessHandle, 0);
            var cookies = new ulong[1];
            var flags = new uint[1];
            var events = new Lines.GpioEdgeEvent[4];
            while (!_stop)
            {
                var n = ready.Wait(cookies, flags, 50) > 0 ? _trigger.ReadEdgeEvents(events) : 0;
                if (n == 0)
                {
                    continue;
                }

                MonotonicClock.SleepUntil(events[n - 1].TimestampNs + 100_000); // the module's ultrasonic burst before the echo rises
                var riseBefore = MonotonicClock.NowNs;
                _backend.SetInputLevel(FakeRig.Chip, _echo, Lines.PinValue.High);
                var riseAfter = MonotonicClock.NowNs;
                MonotonicClock.SleepUntil(riseAfter + _widthNs);
                var fallBefore = MonotonicClock.NowNs;
                _backend.SetInputLevel(FakeRig.Chip, _echo, Lines.PinValue.Low);
                var fallAfter = MonotonicClock.NowNs;
                Interlocked.Exchange(ref _shortest, fallBefore - riseAfter);
                Interlocked.Exchange(ref _longest, fallAfter - riseBefore);
                Interlocked.Increment(ref _pulses);
            }
        }
    }
}
