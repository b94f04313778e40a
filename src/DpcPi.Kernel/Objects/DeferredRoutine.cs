namespace DpcPi.Kernel;

/// <summary>
/// A DPC routine (CustomDpc / DpcForIsr), run at <see cref="Irql.Dispatch"/> on its core's worker
/// thread. <paramref name="deferredContext"/> is fixed when the DPC is initialised; the two system
/// arguments are the ones given to the insert that queued this run (pointer-sized, as PVOIDs in
/// Windows, so passing them never allocates).
/// </summary>
public delegate void DeferredRoutine(Dpc dpc, object? deferredContext, nint systemArgument1, nint systemArgument2);
