using DpcPi.Gpio;
using DpcPi.Interrupts;
using DpcPi.Kernel;

namespace DpcPi.Labs.Framework;

/// <summary>
/// What a lab's driver runs on: a GPIO backend and chip, a DPC kernel and an epoll interrupt controller.
/// <see cref="FakeBench"/> is the deterministic one (fake chip, manual kernel, virtual clock);
/// <see cref="GpioBench"/> is the Pi (the Linux GPIO uAPI v2 chip, kernel threads). Drivers only request
/// lines and connect their ISR here, so one driver runs on both.
/// </summary>
public abstract class LabBench : IDisposable
{
    private readonly List<GpioLineRequest> _requests = [];
    private readonly IGpioBackend _backend;

    private bool _disposed;

    protected LabBench(IGpioBackend backend, string chipName, DpcKernel kernel)
    {
        _backend = backend;
        ChipName = chipName;
        Kernel = kernel;
        Controller = new EpollInterruptController();
    }

    /// <summary>The backend the lines are requested from.</summary>
    protected IGpioBackend Backend => _backend;

    /// <summary>The chip the lab's lines are on (a name, path or label the backend resolves).</summary>
    public string ChipName { get; }

    public DpcKernel Kernel { get; }

    public EpollInterruptController Controller { get; }

    /// <summary>Requests lines on <see cref="ChipName"/> and keeps the request for disposal.</summary>
    public GpioLineRequest Request(GpioLineRequestOptions options)
    {
        var r = _backend.RequestLines(ChipName, options);
        _requests.Add(r);
        return r;
    }

    /// <summary>Connects <paramref name="request"/>'s edges to <paramref name="isr"/> on <paramref name="vector"/>.</summary>
    public GpioInterruptSource ConnectGpio(int vector, GpioLineRequest request, InterruptServiceRoutine isr, object? context, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        var source = new GpioInterruptSource(request);
        Kernel.ConnectInterrupt(vector, isr, context, source, Irql.Device, name);
        source.Register(Controller, vector);
        return source;
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }

        _disposed = true;
        Kernel.Dispose();
        foreach (var r in _requests)
        {
            r.Dispose();
        }

        Controller.Dispose();
    }
}
