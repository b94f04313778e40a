namespace DpcPi.Kernel;

/// <summary>
/// KDPC_WATCHDOG_INFORMATION: the DPC watchdog's limits and what is left of them for the routine that reads it
/// (<see cref="DpcKernel.QueryDpcWatchdogInformation"/>). Windows gives dimensionless tick counts; these are ns
/// of the kernel clock. A remaining time is 0 once its limit is passed (the watchdog reports it at the next tick).
/// </summary>
/// <param name="DpcTimeLimitNs">DpcTimeLimit: one routine's limit (<see cref="KernelOptions.WatchdogDpcLimitNs"/>).</param>
/// <param name="DpcTimeRemainingNs">DpcTimeCount: what the running routine has left of it.</param>
/// <param name="DpcWatchdogLimitNs">DpcWatchdogLimit: the limit on a core continuously in DPCs (<see cref="KernelOptions.WatchdogCumulativeLimitNs"/>).</param>
/// <param name="DpcWatchdogRemainingNs">DpcWatchdogCount: what the current run of DPCs on this core has left of it.</param>
public readonly record struct DpcWatchdogInformation(long DpcTimeLimitNs, long DpcTimeRemainingNs, long DpcWatchdogLimitNs, long DpcWatchdogRemainingNs);
