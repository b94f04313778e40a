using System.Globalization;
using DpcPi.Labs.Button;
using DpcPi.Labs.Framework;
using Iot.Device.Button;
using Lines = DpcPi.Gpio;

namespace DpcPi.Labs.Bindings;

/// <summary>
/// The button lab beside <see cref="GpioButton"/> (with a 5 ms debounce, the lab's own stable time): the binding
/// debounces by the time its callbacks run; DpcPi counts a press when the line has been quiet for 5 ms by the
/// kernel's timestamps, and dates it at its first edge.
/// </summary>
public sealed class ButtonBeside : IBindingBeside
{
    internal const int CleanPresses = 5;
    internal const int WornPresses = 2;
    internal static readonly TimeSpan Debounce = TimeSpan.FromTicks(ButtonLab.StableNs / 100);

    public string Lab => "button";

    public string Binding => "Iot.Device.Button.GpioButton";

    public LabResult RunFake(bool realtime, CancellationToken cancellationToken)
    {
        using var rig = BesideRig.OnFake(realtime);
        rig.Set(ButtonLab.Line, true); // released: the pull-up holds it high
        using var side = new Side(rig.Controller, ButtonLab.Line);
        var phases = new (string Name, int Presses, List<SignalStep> Steps)[]
        {
            ("presses, contact bouncing < 3 ms", CleanPresses, CleanSteps(ButtonLab.Line)),
            ("presses, worn contact bouncing 9-12 ms", WornPresses, WornSteps(ButtonLab.Line)),
        };
        var b = Header(new LabResult.Builder(Lab), "in real time on the fake chip: the binding's figures depend on when its callbacks run");
        b.Line(string.Create(CultureInfo.InvariantCulture, $"{"phase",-40}{"made",6}{"GpioButton",12}{"DpcPi",8}"));
        var edges = 0;
        var stretched = 0;
        foreach (var (name, presses, steps) in phases)
        {
            var (binding, dpcpi) = (side.BindingPresses, side.Presses());
            edges += steps.Count;
            stretched += SignalPlayer.Stretched(steps, SignalPlayer.Play(rig, steps, cancellationToken), ButtonLab.StableNs);
            side.Log.WaitFor(edges, TimeSpan.FromSeconds(10));
            b.Line(string.Create(CultureInfo.InvariantCulture, $"{name,-40}{presses,6}{side.BindingPresses - binding,12}{side.Presses() - dpcpi,8}"));
        }

        b.Line(string.Create(CultureInfo.InvariantCulture, $"{"total",-40}{CleanPresses + WornPresses,6}{side.BindingPresses,12}{side.Presses(),8}"));
        if (stretched > 0)
        {
            // The player is a thread, not a contact: when it stalls inside a bounce burst, the line really was
            // stable for the debounce time, and a debouncer rightly sees a press there.
            b.Line($"The signal's thread stalled past the {ButtonLab.StableNs / 1_000_000} ms debounce time inside a bounce burst {stretched} time(s): those bursts really had a stable gap.");
        }

        return Footer(b, side).Figure("presses made", CleanPresses + WornPresses).Figure("player stalls past the debounce", stretched).Build();
    }

    public LabResult RunGpio(BesideRig rig, LabPins pins, GpioLabRun run)
    {
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(pins);
        ArgumentNullException.ThrowIfNull(run);
        using var side = new Side(rig.Controller, pins.Line("button"));
        run.Progress.WriteLine($"Press the button on {pins.Describe("button")} a few times, some gently, in the next {run.Duration.TotalSeconds:0} s (Ctrl+C stops early); count your presses.");
        run.Wait();
        Thread.Sleep(50); // the last edges' DPCs
        var b = Header(new LabResult.Builder(Lab), "on real pins");
        b.Line($"GpioButton: {side.BindingPresses} presses.   DpcPi: {side.Presses()} presses from {side.Log.Count} raw edges.");
        return Footer(b, side).Build();
    }

    /// <summary>The lab's five bouncing presses (ButtonLab.Signal), as gaps.</summary>
    internal static List<SignalStep> CleanSteps(int line) =>
        ToSteps(line, Enumerable.Range(0, CleanPresses).SelectMany(i =>
        {
            var (press, release) = ButtonLab.Signal(10_000_000, i);
            return press.Concat(release);
        }));

    /// <summary>Two presses of a worn contact: three bounces 1.5-2 ms apart on close and on release (9-12 ms each, each gap under the 5 ms stable time).</summary>
    internal static List<SignalStep> WornSteps(int line) =>
        ToSteps(line, Enumerable.Range(0, WornPresses).SelectMany(i =>
        {
            var start = 10_000_000 + (i * ButtonLab.PressPeriodNs);
            return Lines.SignalGenerators.SwitchBounce(start, Lines.PinValue.Low, 3, 1_500_000, 2_000_000, seed: 7 + i)
                .Concat(Lines.SignalGenerators.SwitchBounce(start + ButtonLab.HoldNs, Lines.PinValue.High, 3, 1_500_000, 2_000_000, seed: 70 + i));
        }));

    /// <summary>
    /// Presses by the kernel's timestamps: edges closer than the stable time are one burst; a burst that leaves the
    /// line low after it was high is a press (the lab's driver, applied to the logged edges).
    /// </summary>
    internal static int CountPresses(IReadOnlyList<LoggedEdge> edges, bool startHigh)
    {
        var presses = 0;
        var settledHigh = startHigh;
        for (var i = 0; i < edges.Count; i++)
        {
            var last = i + 1 == edges.Count || edges[i + 1].TimestampNs - edges[i].TimestampNs >= ButtonLab.StableNs;
            if (!last)
            {
                continue;
            }

            if (settledHigh && !edges[i].Rising)
            {
                presses++;
            }

            settledHigh = edges[i].Rising;
        }

        return presses;
    }

    private static List<SignalStep> ToSteps(int line, IEnumerable<Lines.FakeLevelChange> changes)
    {
        var steps = new List<SignalStep>();
        var last = 0L;
        foreach (var c in changes.OrderBy(c => c.TimestampNs))
        {
            steps.Add(new SignalStep(c.TimestampNs - last, line, c.Level == Lines.PinValue.High));
            last = c.TimestampNs;
        }

        return steps;
    }

    private static LabResult.Builder Header(LabResult.Builder b, string how) => b
        .Line($"Beside it: Iot.Device.Bindings' GpioButton (debounceTime {Debounce.TotalMilliseconds:0} ms) on the same line, through")
        .Line($"GpioController(new DpcPiGpioDriver(...)), next to DpcPi's kernel-stamped callbacks ({how}).")
        .Line();

    private static LabResult.Builder Footer(LabResult.Builder b, Side side) => b
        .Line()
        .Line("GpioButton ignores transitions for its debounce time by the clock of its callbacks, so a contact that")
        .Line("bounces longer, or callbacks that arrive late and bunched, change what it counts. DpcPi's callbacks carry")
        .Line("the kernel's timestamp of each edge: a press is a burst followed by 5 ms of quiet, dated at its first edge.")
        .Figure("binding presses", side.BindingPresses)
        .Figure("dpcpi presses", side.Presses())
        .Figure("dpcpi raw edges", side.Log.Count)
        .Figure("dpcpi lost edges", side.Log.Lost);

    /// <summary>The binding and DpcPi's edge log on one controller.</summary>
    private sealed class Side : IDisposable
    {
        private readonly System.Device.Gpio.GpioController _controller;
        private readonly GpioButton _binding;
        private readonly int _pin;
        private readonly bool _startHigh;
        private int _bindingPresses;

        public Side(System.Device.Gpio.GpioController controller, int pin)
        {
            _controller = controller;
            _pin = pin;
            _binding = new GpioButton(pin, isPullUp: true, hasExternalResistor: false, gpio: controller, shouldDispose: false, debounceTime: Debounce);
            _binding.Press += (_, _) => Interlocked.Increment(ref _bindingPresses);
            _startHigh = controller.Read(pin) == System.Device.Gpio.PinValue.High;
            Log.Watch(controller, pin);
        }

        public EdgeLog Log { get; } = new();

        public int BindingPresses => Volatile.Read(ref _bindingPresses);

        public int Presses() => CountPresses(Log.InOrder(), _startHigh);

        public void Dispose()
        {
            _controller.UnregisterCallbackForPinValueChangedEvent(_pin, Log.Handler);
            _binding.Dispose();
        }
    }
}
