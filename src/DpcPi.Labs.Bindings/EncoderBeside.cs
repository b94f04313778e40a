using System.Device.Gpio;
using System.Globalization;
using DpcPi.Labs.Encoder;
using DpcPi.Labs.Framework;
using Iot.Device.RotaryEncoder;

namespace DpcPi.Labs.Bindings;

/// <summary>
/// The encoder lab beside <see cref="QuadratureRotaryEncoder"/>: the binding counts A's falling edges and reads both
/// lines when its callback runs; DpcPi decodes every edge of both lines in kernel-timestamp order.
/// </summary>
public sealed class EncoderBeside : IBindingBeside
{
    /// <summary>The phases of the fake signal: detents (negative: counter-clockwise), time per quarter step, gap before each detent.</summary>
    internal static readonly (string Name, int Detents, long QuarterNs, long GapNs)[] Phases =
    [
        ("hand speed, clockwise", 10, 2_000_000, 30_000_000),
        ("a quick flick, 4 ms per detent", 20, 1_000_000, 1_000_000),
        ("hand speed, back", -5, 2_000_000, 30_000_000),
    ];

    private const int PulsesPerRotation = 20;

    public string Lab => "encoder";

    public string Binding => "Iot.Device.RotaryEncoder.QuadratureRotaryEncoder";

    public LabResult RunFake(bool realtime, CancellationToken cancellationToken)
    {
        using var rig = BesideRig.OnFake(realtime);
        rig.Set(EncoderLab.LineA, true); // both phases rest high between detents (pull-ups)
        rig.Set(EncoderLab.LineB, true);
        using var side = new Side(rig.Controller, EncoderLab.LineA, EncoderLab.LineB);
        var rows = new List<(string Phase, int Turned, long Binding, long DpcPi)>();
        var edges = 0;
        foreach (var (name, detents, quarterNs, gapNs) in Phases)
        {
            var (binding, dpcpi) = (side.BindingCount, side.Decode().Detents);
            var steps = Steps(EncoderLab.LineA, EncoderLab.LineB, detents, quarterNs, gapNs);
            edges += steps.Count;
            _ = SignalPlayer.Play(rig, steps, cancellationToken); // the encoder decodes by order, not by time
            side.Log.WaitFor(edges, TimeSpan.FromSeconds(10)); // the binding's callback runs before DpcPi's in the same DPC
            rows.Add((name, detents, side.BindingCount - binding, side.Decode().Detents - dpcpi));
        }

        var decoded = side.Decode();
        var b = Header(new LabResult.Builder(Lab), "in real time on the fake chip: the binding's figures depend on when its callbacks run");
        b.Line(string.Create(CultureInfo.InvariantCulture, $"{"phase",-32}{"turned",8}{"QuadratureRotaryEncoder",26}{"DpcPi",8}"));
        foreach (var (phase, turned, binding, dpcpi) in rows)
        {
            b.Line(string.Create(CultureInfo.InvariantCulture, $"{phase,-32}{turned,8:+0;-0;0}{binding,26:+0;-0;0}{dpcpi,8:+0;-0;0}"));
        }

        var total = Phases.Sum(p => p.Detents);
        b.Line(string.Create(CultureInfo.InvariantCulture, $"{"total",-32}{total,8:+0;-0;0}{side.BindingCount,26:+0;-0;0}{decoded.Detents,8:+0;-0;0}"));
        return Footer(b, side, decoded).Figure("detents turned", total).Build();
    }

    public LabResult RunGpio(BesideRig rig, LabPins pins, GpioLabRun run)
    {
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(pins);
        ArgumentNullException.ThrowIfNull(run);
        using var side = new Side(rig.Controller, pins.Line("enc-a"), pins.Line("enc-b"));
        run.Progress.WriteLine($"Turn the knob ten clicks clockwise, then spin it fast, then five clicks back, in the next {run.Duration.TotalSeconds:0} s (A: {pins.Describe("enc-a")}, B: {pins.Describe("enc-b")}; Ctrl+C stops early).");
        run.Wait();
        Thread.Sleep(50); // the last edges' DPCs
        var decoded = side.Decode();
        var b = Header(new LabResult.Builder(Lab), "on real pins");
        b.Line(string.Create(CultureInfo.InvariantCulture, $"QuadratureRotaryEncoder: {side.BindingCount:+0;-0;0} detents.   DpcPi: {decoded.Detents:+0;-0;0} detents ({decoded.QuarterSteps} quarter steps)."));
        return Footer(b, side, decoded).Build();
    }

    /// <summary>The level changes of <paramref name="detents"/> detents: clockwise B leads A, counter-clockwise A leads B.</summary>
    internal static List<SignalStep> Steps(int lineA, int lineB, int detents, long quarterNs, long gapNs)
    {
        var (first, second) = detents > 0 ? (lineB, lineA) : (lineA, lineB);
        var steps = new List<SignalStep>();
        for (var i = 0; i < Math.Abs(detents); i++)
        {
            steps.Add(new SignalStep(gapNs, first, false));
            steps.Add(new SignalStep(quarterNs, second, false));
            steps.Add(new SignalStep(quarterNs, first, true));
            steps.Add(new SignalStep(quarterNs, second, true));
        }

        return steps;
    }

    /// <summary>
    /// Quadrature decoding of edges in the order they happened: the Gray sequence 11 → 10 → 00 → 01 → 11 (A, B)
    /// is a quarter step clockwise, its reverse counter-clockwise. Each edge moves one line, so the only fault is an
    /// edge to the level its line already had: the opposite edge between them was lost (counted as repeated).
    /// </summary>
    internal static (long QuarterSteps, long Detents, long Repeated) Decode(IEnumerable<LoggedEdge> edges, int pinA, bool a, bool b)
    {
        long position = 0, repeated = 0;
        var index = Gray(a, b);
        foreach (var e in edges)
        {
            if (e.Pin == pinA)
            {
                a = e.Rising;
            }
            else
            {
                b = e.Rising;
            }

            var next = Gray(a, b);
            switch ((next - index + 4) % 4)
            {
                case 0: repeated++; break;
                case 1: position++; break;
                default: position--; break; // 3: a quarter step back (2 cannot happen: one line per edge)
            }

            index = next;
        }

        return (position, position / 4, repeated);

        static int Gray(bool a, bool b) => (a, b) switch { (true, true) => 0, (true, false) => 1, (false, false) => 2, _ => 3 };
    }

    private static LabResult.Builder Header(LabResult.Builder b, string how) => b
        .Line("Beside it: Iot.Device.Bindings' QuadratureRotaryEncoder on the same two lines, through")
        .Line($"GpioController(new DpcPiGpioDriver(...)), next to DpcPi's kernel-stamped callbacks ({how}).")
        .Line();

    private static LabResult.Builder Footer(LabResult.Builder b, Side side, (long QuarterSteps, long Detents, long Repeated) decoded) => b
        .Line()
        .Line("The binding counts A's falling edges, reading A and B when its callback runs, and ignores a falling edge")
        .Line("within its Debounce (5 ms) of the previous one by the clock of its callbacks, so a fast turn is lost.")
        .Line("DpcPi's callbacks carry each edge's kernel timestamp: both lines' edges are decoded in the order they happened.")
        .Figure("binding detents", side.BindingCount)
        .Figure("dpcpi detents", decoded.Detents)
        .Figure("dpcpi repeated edges", decoded.Repeated)
        .Figure("dpcpi lost edges", side.Log.Lost);

    /// <summary>The binding and DpcPi's edge log on one controller.</summary>
    private sealed class Side : IDisposable
    {
        private readonly GpioController _controller;
        private readonly QuadratureRotaryEncoder _binding;
        private readonly int _pinA;
        private readonly int _pinB;
        private readonly bool _startA;
        private readonly bool _startB;

        public Side(GpioController controller, int pinA, int pinB)
        {
            _controller = controller;
            _pinA = pinA;
            _pinB = pinB;
            _binding = new QuadratureRotaryEncoder(pinA, pinB, PinEventTypes.Falling, PulsesPerRotation, controller, shouldDispose: false);
            controller.SetPinMode(pinA, PinMode.InputPullUp); // the binding opens plain inputs; a bare encoder needs the pull-ups
            controller.SetPinMode(pinB, PinMode.InputPullUp);
            _startA = controller.Read(pinA) == PinValue.High;
            _startB = controller.Read(pinB) == PinValue.High;
            Log.Watch(controller, pinA, pinB);
        }

        public EdgeLog Log { get; } = new();

        public long BindingCount => _binding.PulseCount;

        public (long QuarterSteps, long Detents, long Repeated) Decode() => EncoderBeside.Decode(Log.InOrder(), _pinA, _startA, _startB);

        public void Dispose()
        {
            _controller.UnregisterCallbackForPinValueChangedEvent(_pinA, Log.Handler);
            _controller.UnregisterCallbackForPinValueChangedEvent(_pinB, Log.Handler);
            _binding.Dispose();
        }
    }
}
