namespace DpcPi.SystemDeviceGpio;

/// <summary>
/// What happened to one pin's edges since the driver first opened it (across closes and re-opens).
/// </summary>
/// <param name="EdgesRead">Edge events the ISR read from the kernel.</param>
/// <param name="EdgesDispatched">Edges the pin's DPC took from its ring and handed to callbacks and waiters.</param>
/// <param name="LostInKernel">Edges the kernel's event buffer dropped (line sequence number gaps).</param>
/// <param name="LostInRing">Edges the ISR read but could not queue because the pin's ring was full.</param>
/// <param name="Merged">Two equal edges in a row on a both-edges pin: an opposite edge the hardware folded away (see DpcPi's GpioLineStatistics).</param>
/// <param name="CallbackExceptions">Callback invocations that threw (the DPC went on with the next callback and edge).</param>
/// <param name="DiscardedOnClose">Edges read but not yet delivered when the pin was closed from inside a callback (a close from any other thread delivers them first).</param>
public readonly record struct DpcPiPinStatistics(
    long EdgesRead,
    long EdgesDispatched,
    long LostInKernel,
    long LostInRing,
    long Merged,
    long CallbackExceptions,
    long DiscardedOnClose)
{
    /// <summary>Every edge that happened but reached no callback: <see cref="LostInKernel"/> + <see cref="LostInRing"/>.</summary>
    public long Lost => LostInKernel + LostInRing;
}
