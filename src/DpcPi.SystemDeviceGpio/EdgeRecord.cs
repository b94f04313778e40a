namespace DpcPi.SystemDeviceGpio;

/// <summary>One edge as the ISR queued it for the pin's DPC (in an <see cref="Interrupts.SpscRing{T}"/>).</summary>
internal readonly record struct EdgeRecord(long TimestampNs, bool Rising, uint LineSequence, long LostBefore, long ReadIndex);
