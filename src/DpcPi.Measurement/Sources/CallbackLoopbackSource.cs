using DpcPi.Gpio;
using DpcPi.Interrupts;
using DpcPi.Kernel;

namespace DpcPi.Measurement;

/// <summary>
/// The sdg source: the same wired (or gpio-sim) line and stimulus as the gpio source, but the edges reach the ISR
/// through a source the front-end built (<see cref="LatencySessionOptions.CallbackSource"/>, e.g. the callbacks of a
/// System.Device.Gpio driver the user keeps), so the figures are that driver's, from its callback on.
/// </summary>
internal sealed class CallbackLoopbackSource(LatencySessionOptions options) : MeasuredSource
{
    private readonly LineStimulus _stimulus = new(options);
    private IPollableInterruptSource? _source;
    private EpollInterruptController? _controller;

    public override long Generated => _stimulus.Generated;

    public override bool StimulusDone => _stimulus.Done;

    public override string? StimulusSummary => _stimulus.Summary;

    public override string ColdStartHint => _stimulus.ColdStartHint;

    public override GpioLineStatistics GpioStatistics => new(0, _source?.Lost ?? 0, 0);

    public override string? Caveat => _source?.Caveat;

    public override Interrupt Connect(DpcKernel kernel, EpollInterruptController controller, InterruptServiceRoutine isr, DeviceObject device)
    {
        _stimulus.PrepareLine();
        _source = options.CallbackSource!();
        _controller = controller;
        controller.Register(_source.Handle, Vector);
        return kernel.ConnectInterrupt(Vector, isr, device, _source, Irql.Device, $"{options.CallbackSourceName ?? "callbacks"} {options.Chip}:{options.InputLine}");
    }

    public override void Start(long startedNs) => _stimulus.Start(new LinuxGpioBackend());

    public override void Stop() => _stimulus.Stop();

    public override void Dispose()
    {
        if (_source is not null)
        {
            _controller?.Unregister(_source.Handle);
            _source.Dispose();
        }

        _stimulus.Dispose();
    }
}
