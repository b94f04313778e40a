namespace DpcPi.Kernel;

/// <summary>What the DPC watchdog does when a limit is exceeded.</summary>
public enum WatchdogPolicy
{
    /// <summary>Count and report the violation; keep running (default).</summary>
    Count,

    /// <summary>Stop with a DPC_WATCHDOG_VIOLATION report (the host exits with a distinct code).</summary>
    FailFast,
}
