namespace DpcPi.Kernel;

/// <summary>
/// Something the host should log or show, produced off the hot path: a DPC that threw (first time
/// per routine), a watchdog violation. The kernel never logs itself; the host drains these.
/// </summary>
public sealed record KernelEvent(long TimestampNs, string Kind, int Cpu, string? Routine, string Message, Exception? Exception = null);
