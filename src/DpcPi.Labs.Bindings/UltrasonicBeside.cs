using System.Globalization;
using DpcPi.Labs.Framework;
using DpcPi.Labs.Ultrasonic;
using DpcPi.Platform;
using Iot.Device.Hcsr04;
using static DpcPi.Gpio.GpioBackendExtensions;
using Lines = DpcPi.Gpio;

namespace DpcPi.Labs.Bindings;

/// <summary>
/// The ultrasonic lab beside <see cref="Hcsr04"/>: the binding triggers and times the echo with a Stopwatch around a
/// busy Read() loop; DpcPi times the same echo pulse from the kernel's timestamps of its two edges.
/// </summary>
public sealed class UltrasonicBeside : IBindingBeside
{
    /// <summary>The fake sensor's input: a virtual wire from the trigger line.</summary>
    internal const int TriggerTap = 25;

    internal static readonly double[] TargetsM = [0.1, 0.25, 0.5, 1.0, 2.0, 3.5];

    public string Lab => "ultrasonic";

    public string Binding => "Iot.Device.Hcsr04.Hcsr04";

    public LabResult RunFake(bool realtime, CancellationToken cancellationToken)
    {
        using var rig = BesideRig.OnFake(realtime);
        var fake = rig.Fake!;
        fake.AddWire(BesideRig.FakeChip, UltrasonicLab.TrigLine, BesideRig.FakeChip, TriggerTap);
        using var side = new Side(rig.Controller, UltrasonicLab.TrigLine, UltrasonicLab.EchoLine);
        // SCHED_FIFO 60, above the ISR thread's 49: the echo is never late because DpcPi is busy, as with real hardware.
        using var sensor = new Lines.FakeHcsr04(fake, BesideRig.FakeChip, TriggerTap, UltrasonicLab.EchoLine, widthNs: 0, UltrasonicLab.SensorDelayNs, priority: 60);
        var rows = new List<(double Target, Reading Reading, int Tries)>();
        foreach (var target in TargetsM)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            // As the binding's own GetDistance does: up to three tries, each a new trigger and a new echo.
            sensor.WidthNs = UltrasonicDriver.WidthFromDistance(target);
            var tries = 0;
            Reading reading;
            do
            {
                reading = side.Measure();
                tries++;
            }
            while (!reading.Ok && tries < 3);

            rows.Add((target, reading, tries));
        }

        SpinWait.SpinUntil(() => sensor.Pulses.Count >= side.Readings, 1_000); // the sensor has finished its echoes
        side.Log.WaitFor(2 * sensor.Pulses.Count, TimeSpan.FromSeconds(5));
        var made = sensor.Pulses;
        var echoes = side.Echoes();
        var b = Header(new LabResult.Builder(Lab), "in real time on the fake chip: the binding's figures depend on when its thread runs");
        b.Line(string.Create(CultureInfo.InvariantCulture, $"{"target m",9}{"echo made µs",14}{"Hcsr04 m",20}{"error",9}{"DpcPi m",10}{"error",9}"));
        var bindingErrors = new List<double>();
        var dpcpiErrors = new List<double>();
        var within = 0;
        foreach (var (target, reading, tries) in rows)
        {
            // The pulse the sensor made for the reading's last try (the first it began after that try's trigger),
            // and that pulse as DpcPi timed it. Not the echo inside the binding's own window: a sensor stalled past
            // the binding's timeout still made its pulse, and DpcPi still timed it.
            var pulse = made.FirstOrDefault(m => m.RiseBeforeNs >= reading.StartNs);
            var echo = echoes.FirstOrDefault(e => e.RiseNs >= pulse.RiseBeforeNs && e.RiseNs <= pulse.RiseAfterNs); // none when no pulse: kernel stamps are > 0
            if (pulse.RiseBeforeNs == 0 || echo.WidthNs == 0)
            {
                b.Line(string.Create(CultureInfo.InvariantCulture, $"{target,9:0.000}  no echo was made or timed for this reading"));
                continue;
            }

            var madeM = UltrasonicDriver.DistanceFromWidth(pulse.WidthNs);
            var dpcpiM = UltrasonicDriver.DistanceFromWidth(echo.WidthNs);
            var bindingError = reading.Ok ? (reading.Metres - madeM) / madeM * 100 : double.NaN;
            var dpcpiError = (dpcpiM - madeM) / madeM * 100;
            within += echo.WidthNs >= pulse.ShortestNs && echo.WidthNs <= pulse.LongestNs ? 1 : 0;
            if (reading.Ok)
            {
                bindingErrors.Add(Math.Abs(bindingError));
            }

            dpcpiErrors.Add(Math.Abs(dpcpiError));
            var bindingText = Metres(reading) + (tries > 1 ? $" ({tries} tries)" : string.Empty);
            b.Line(string.Create(CultureInfo.InvariantCulture, $"{target,9:0.000}{pulse.WidthNs / 1000.0,14:0.0}{bindingText,20}{Percent(bindingError),9}{Num(dpcpiM),10}{Percent(dpcpiError),9}"));
        }

        b.Line().Line("The made width is what the simulated sensor's clock read just before each of its two writes.");
        if (!sensor.Realtime)
        {
            b.Line("The simulated sensor ran without SCHED_FIFO (not permitted here): its echoes can be wider than the target.");
        }

        return Footer(b, side, bindingErrors, dpcpiErrors)
            .Figure("echoes made", made.Count)
            .Figure("readings", rows.Count)
            .Figure("dpcpi echoes within what the sensor made", within)
            .Build();
    }

    public LabResult RunGpio(BesideRig rig, LabPins pins, GpioLabRun run)
    {
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(pins);
        ArgumentNullException.ThrowIfNull(run);
        using var side = new Side(rig.Controller, pins.Line("trig"), pins.Line("echo"));
        run.Progress.WriteLine($"Point the sensor at a wall 0.5 m away and keep it still: Hcsr04 triggers on {pins.Describe("trig")} about every 60 ms for {run.Duration.TotalSeconds:0} s; DpcPi times the same echoes on {pins.Describe("echo")}.");
        var readings = new List<Reading>();
        var end = MonotonicClock.NowNs + (long)run.Duration.TotalNanoseconds;
        while (MonotonicClock.NowNs < end && !run.Cancellation.IsCancellationRequested)
        {
            readings.Add(side.Measure());
        }

        Thread.Sleep(70); // the last echo's DPCs
        var echoes = side.Echoes();
        var differences = new List<double>();
        foreach (var r in readings.Where(r => r.Ok))
        {
            var echo = echoes.FirstOrDefault(e => e.RiseNs >= r.StartNs && e.RiseNs <= r.EndNs);
            if (echo.WidthNs > 0)
            {
                differences.Add((r.Metres - UltrasonicDriver.DistanceFromWidth(echo.WidthNs)) * 1000);
            }
        }

        var b = Header(new LabResult.Builder(Lab), "on real pins");
        b.Line($"{readings.Count} Hcsr04 readings ({readings.Count(r => !r.Ok)} failed), {echoes.Count} echoes timed by DpcPi.");
        if (differences.Count > 0)
        {
            differences.Sort();
            b.Line(string.Create(CultureInfo.InvariantCulture, $"Hcsr04 − DpcPi on the same echo: median {differences[differences.Count / 2]:+0.0;-0.0} mm, from {differences[0]:+0.0;-0.0} to {differences[^1]:+0.0;-0.0} mm."));
        }

        return Footer(b, side, [], []).Build();
    }

    private static string Metres(Reading r) => r.Ok ? r.Metres.ToString("0.0000", CultureInfo.InvariantCulture) : "failed";

    private static string Num(double m) => double.IsNaN(m) ? "none" : m.ToString("0.0000", CultureInfo.InvariantCulture);

    private static string Percent(double p) => double.IsNaN(p) ? "-" : Math.Round(p, 2).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) + " %";

    private static LabResult.Builder Header(LabResult.Builder b, string how) => b
        .Line("Beside it: Iot.Device.Bindings' Hcsr04 on the same trigger and echo lines, through")
        .Line($"GpioController(new DpcPiGpioDriver(...)), next to DpcPi's kernel-stamped callbacks on the echo ({how}).")
        .Line();

    private static LabResult.Builder Footer(LabResult.Builder b, Side side, List<double> bindingErrors, List<double> dpcpiErrors)
    {
        b.Line()
            .Line("Hcsr04 starts a Stopwatch when its busy Read() loop sees the echo high and stops it when it sees it low:")
            .Line("every moment its thread is not running is added to (or cut from) the width. DpcPi's width is the")
            .Line("difference of the kernel's timestamps of the two edges, whenever its DPC runs.")
            .Figure("binding readings", side.Readings)
            .Figure("binding failed readings", side.Failed)
            .Figure("dpcpi echoes", side.Echoes().Count)
            .Figure("dpcpi lost edges", side.Log.Lost);
        if (bindingErrors.Count > 0)
        {
            b.Figure("binding worst error", bindingErrors.Max(), "%");
        }

        if (dpcpiErrors.Count > 0)
        {
            b.Figure("dpcpi worst error", dpcpiErrors.Max(), "%");
        }

        return b;
    }

    /// <summary>One Hcsr04 reading and when the call ran (its echo rose in between).</summary>
    internal readonly record struct Reading(bool Ok, double Metres, long StartNs, long EndNs);

    /// <summary>An echo pulse as DpcPi timed it.</summary>
    internal readonly record struct Echo(long RiseNs, long WidthNs);

    /// <summary>The binding and DpcPi's edge log on one controller.</summary>
    private sealed class Side : IDisposable
    {
        private readonly System.Device.Gpio.GpioController _controller;
        private readonly Hcsr04 _binding;
        private readonly int _echo;

        public Side(System.Device.Gpio.GpioController controller, int trigger, int echo)
        {
            _controller = controller;
            _echo = echo;
            _binding = new Hcsr04(controller, trigger, echo, shouldDispose: false);
            controller.SetPinMode(echo, System.Device.Gpio.PinMode.InputPullDown); // the lab's wiring: ECHO through a divider, pulled low
            Log.Watch(controller, echo);
        }

        public EdgeLog Log { get; } = new();

        public int Readings { get; private set; }

        public int Failed { get; private set; }

        public Reading Measure()
        {
            var start = MonotonicClock.NowNs;
            var ok = _binding.TryGetDistance(out var distance);
            var end = MonotonicClock.NowNs;
            Readings++;
            Failed += ok ? 0 : 1;
            return new Reading(ok, ok ? distance.Meters : double.NaN, start, end);
        }

        /// <summary>Rising then falling edge pairs of the echo line, by kernel timestamp.</summary>
        public List<Echo> Echoes()
        {
            var echoes = new List<Echo>();
            long? rise = null;
            foreach (var e in Log.InOrder())
            {
                if (e.Rising)
                {
                    rise = e.TimestampNs;
                }
                else if (rise is { } r)
                {
                    echoes.Add(new Echo(r, e.TimestampNs - r));
                    rise = null;
                }
            }

            return echoes;
        }

        public void Dispose()
        {
            _controller.UnregisterCallbackForPinValueChangedEvent(_echo, Log.Handler);
            _binding.Dispose();
        }
    }
}
