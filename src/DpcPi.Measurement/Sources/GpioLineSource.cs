using DpcPi.Gpio;
using DpcPi.Interrupts;
using DpcPi.Kernel;

namespace DpcPi.Measurement;

/// <summary>The part the fake and the gpio loopback share: the input line that takes the edges, as the measured interrupt.</summary>
internal abstract class GpioLineSource : MeasuredSource
{
    private GpioInterruptSource? _gpio;

    protected GpioLineRequest? Input { get; private set; }

    protected GpioLineRequest? Output { get; private set; }

    public override GpioLineStatistics GpioStatistics => Input?.TotalStatistics ?? default;

    public override Exception? Failure => _gpio?.Failure;

    /// <summary>Requests the input line with both edges (and the output line when this process drives it) and connects the input.</summary>
    protected Interrupt OpenLines(IGpioBackend backend, string chip, int inputLine, int? outputLine, DpcKernel kernel, EpollInterruptController controller, InterruptServiceRoutine isr, DeviceObject device)
    {
        var input = new GpioLineRequestOptions("dpcpi-latency").Add(inputLine, GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling));
        Input = backend.RequestLines(chip, input);
        if (outputLine is { } output)
        {
            Output = backend.RequestLines(chip, new GpioLineRequestOptions("dpcpi-stimulus").Add(output, GpioLineSettings.Output()));
        }

        _gpio = new GpioInterruptSource(Input);
        _gpio.Register(controller, Vector);
        return kernel.ConnectInterrupt(Vector, isr, device, _gpio, Irql.Device, $"gpio {chip}:{inputLine}");
    }

    public override void Dispose()
    {
        Input?.Dispose();
        Output?.Dispose();
    }
}
