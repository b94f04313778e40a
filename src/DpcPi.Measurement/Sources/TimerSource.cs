using DpcPi.Interrupts;
using DpcPi.Kernel;

namespace DpcPi.Measurement;

/// <summary>The timer source: a periodic timerfd in the ISR thread's epoll set (cyclictest's measurement).</summary>
internal sealed class TimerSource(LatencySessionOptions options) : MeasuredSource
{
    private readonly TimerInterruptSource _timer = new();

    public override long TimerOverruns => _timer.Overruns;

    public override Interrupt Connect(DpcKernel kernel, EpollInterruptController controller, InterruptServiceRoutine isr, DeviceObject device)
    {
        controller.Register(_timer.Handle, Vector);
        return kernel.ConnectInterrupt(Vector, isr, device, _timer, Irql.Device, "timer");
    }

    public override void Start(long startedNs) => _timer.Start(startedNs + options.IntervalNs, options.IntervalNs);

    public override void Stop() => _timer.Stop();

    public override void Dispose() => _timer.Dispose();
}
