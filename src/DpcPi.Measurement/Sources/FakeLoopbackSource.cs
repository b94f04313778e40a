using DpcPi.Gpio;
using DpcPi.Interrupts;
using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Measurement;

/// <summary>
/// The fake source: a virtual loopback jumper on the fake GPIO backend (a wiring file's loopback, or output→input
/// directly), driven by a stimulus thread of this process, since the fake backend and its wire live here too.
/// </summary>
internal sealed class FakeLoopbackSource : GpioLineSource
{
    private const string Chip = "gpiochip0";
    private readonly LatencySessionOptions _options;
    private readonly FakeGpioBackend _backend;
    private readonly CancellationTokenSource _stop = new();
    private Thread? _stimulus;
    private int _inputLine;
    private int _outputLine;
    private long _generated;
    private volatile bool _stimulusDone;

    public FakeLoopbackSource(LatencySessionOptions options)
    {
        _options = options;
        // The injected latency: the backend's clock runs behind, so each edge carries a timestamp that long before
        // it is delivered, as when a slow interrupt path hands the kernel's timestamp over late.
        var latencyNs = options.FakeLatencyNs;
        _backend = latencyNs == 0 ? new FakeGpioBackend() : new FakeGpioBackend(() => MonotonicClock.NowNs - latencyNs);
        _inputLine = options.InputLine;
        _outputLine = options.OutputLine;
    }

    public override long Generated => Volatile.Read(ref _generated);

    public override bool StimulusDone => _stimulusDone;

    public override Interrupt Connect(DpcKernel kernel, EpollInterruptController controller, InterruptServiceRoutine isr, DeviceObject device)
    {
        _backend.AddChip(Chip, "fake-loopback", 54);
        if (_options.WiringFile is { } file)
        {
            var wiring = WiringLoader.Load(file);
            _backend.AddWires(wiring, Chip);
            (_outputLine, _inputLine) = LoopbackLines(wiring);
        }
        else
        {
            _backend.AddWire(Chip, _outputLine, Chip, _inputLine);
        }

        return OpenLines(_backend, Chip, _inputLine, _outputLine, kernel, controller, isr, device);
    }

    public override void Start(long startedNs)
    {
        _stimulus = new Thread(StimulusLoop) { IsBackground = true, Name = "stimulus" };
        _stimulus.Start();
    }

    public override void Stop()
    {
        _stop.Cancel();
        _stimulus?.Join(TimeSpan.FromSeconds(30)); // a level set after the ISR stopped would be an edge nobody serviced
    }

    public override void Dispose()
    {
        base.Dispose();
        _stop.Dispose();
    }

    /// <summary>The loopback a wiring file describes: its first wire from an output pin to an input pin that takes edges.</summary>
    private static (int Output, int Input) LoopbackLines(WiringDocument wiring)
    {
        foreach (var wire in wiring.Wires)
        {
            var from = wiring.Pin(wire.From);
            var to = wiring.Pin(wire.To);
            if (from.Direction == PinMode.Output && to.Direction == PinMode.Input && to.Edges != PinEventTypes.None)
            {
                return (from.Gpio, to.Gpio);
            }
        }

        throw new WiringException($"Wiring \"{wiring.Name}\" has no wire from an output pin to an input pin with edges, so it is no loopback to measure.");
    }

    private void StimulusLoop()
    {
        _ = ThreadControl.SetTimerSlack(1);
        var level = false;
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            // Sleep, do not spin: each edge's latency counts from its own timestamp, so the stimulus's
            // wake-up jitter moves the edge, not the figure, and a spinning stimulus would take a whole core
            // from the runtime's JIT and GC threads (on a 2-core machine, half of it). The interval is
            // relative, as in dpcpi-stimulus: a late wake-up delays the next edges, never bunches them.
            MonotonicClock.SleepUntil(MonotonicClock.NowNs + _options.IntervalNs);
            if (token.IsCancellationRequested)
            {
                break;
            }

            level = !level;
            try
            {
                Output!.Write(_outputLine, level ? PinValue.High : PinValue.Low);
                if (_backend.NextScheduledNs is { } arrives)
                {
                    // A wire with a propagation delay: the edge exists once the delay has passed.
                    while (_backend.Clock() < arrives)
                    {
                        Thread.SpinWait(4);
                    }

                    _backend.RunDue();
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                return; // the device went away; the ISR side reports it
            }

            if (Interlocked.Increment(ref _generated) >= _options.Loops && _options.Loops > 0)
            {
                _stimulusDone = true;
                return;
            }
        }
    }
}
