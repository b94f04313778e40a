namespace DpcPi.Reporting;

/// <summary>
/// The `dpcpi run` service's accounting at its stop: the ISR's interrupts, device interrupts, clock ticks, DPC
/// runs, coalesced inserts, what stayed queued, the kernel fault and the exit code (the JSON's "service" object).
/// </summary>
public sealed record ServiceReport(long Interrupts, long IsrInterrupts, long ClockTicks, long DpcsRun, long Coalesced, long QueuedAfterStop, string? Fault, int ExitCode);
