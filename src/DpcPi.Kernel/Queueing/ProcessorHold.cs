namespace DpcPi.Kernel;

/// <summary>
/// Holds one core at DISPATCH from the outside, as a Windows test raises IRQL: its worker starts
/// no DPC until disposed, so its queue can be observed without draining.
/// </summary>
internal sealed class ProcessorHold : IDisposable
{
    private DpcProcessor? _processor;

    internal ProcessorHold(DpcProcessor processor)
    {
        _processor = processor;
        processor.Hold();
    }

    public void Dispose() => Interlocked.Exchange(ref _processor, null)?.Release();
}
