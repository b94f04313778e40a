using DpcPi.Gpio;
using DpcPi.Interrupts;
using DpcPi.Kernel;

namespace DpcPi.Measurement;

/// <summary>
/// The gpio source: a real input line (or a gpio-sim line) taking edges that the <see cref="ExternalStimulus"/>
/// process makes on a wired output line or through a gpio-sim pull file.
/// </summary>
internal sealed class GpioLoopbackSource(LatencySessionOptions options) : GpioLineSource
{
    private readonly LinuxGpioBackend _backend = new();
    private readonly LineStimulus _stimulus = new(options);

    public override long Generated => _stimulus.Generated;

    public override bool StimulusDone => _stimulus.Done;

    public override string? StimulusSummary => _stimulus.Summary;

    public override string ColdStartHint => _stimulus.ColdStartHint;

    public override Interrupt Connect(DpcKernel kernel, EpollInterruptController controller, InterruptServiceRoutine isr, DeviceObject device)
    {
        _stimulus.PrepareLine();
        // The stimulus process drives the output line, so this process requests the input only.
        return OpenLines(_backend, options.Chip, options.InputLine, outputLine: null, kernel, controller, isr, device);
    }

    public override void Start(long startedNs) => _stimulus.Start(_backend);

    public override void Stop() => _stimulus.Stop();

    public override void Dispose()
    {
        base.Dispose();
        _stimulus.Dispose();
    }
}
