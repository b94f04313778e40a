namespace DpcPi.Kernel;

/// <summary>How timer expiry is driven (<see cref="KernelOptions.TimerMode"/>).</summary>
public enum TimerMode
{
    /// <summary>
    /// Classic Windows: the clock interrupt fires every <see cref="KernelOptions.ClockTickIntervalNs"/>
    /// and <see cref="DpcKernel.ClockTick"/> expires every timer whose due time has passed, so a timer
    /// expires at the first tick at or after its due time.
    /// </summary>
    PeriodicTick,

    /// <summary>
    /// High-resolution timers: a one-shot hardware timer (a timerfd) is programmed at
    /// <see cref="TimerTable.NextHardwareExpiryNs"/> and its ISR calls <see cref="TimerTable.ExpireTimers"/>.
    /// The clock tick keeps its threshold and watchdog work but expires no timers.
    /// </summary>
    HighResolution,
}
