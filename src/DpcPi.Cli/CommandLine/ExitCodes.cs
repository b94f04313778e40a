namespace DpcPi.Cli.CommandLine;

/// <summary>The documented exit codes of dpcpi.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A run or test failed its own criterion (doctor found a blocker, a lab's check failed).</summary>
    public const int Failed = 1;

    /// <summary>Bad input: flags, configuration, wiring files.</summary>
    public const int Usage = 2;

    /// <summary>A device or permission problem: missing chip, busy line, no access.</summary>
    public const int Device = 3;

    /// <summary>The DPC watchdog's fail-fast policy stopped the run (DPC_WATCHDOG_VIOLATION).</summary>
    public const int WatchdogViolation = 4;

    /// <summary>A DPC routine threw under the fail-fast policy.</summary>
    public const int DpcException = 5;

    /// <summary>An output could not be written because its disk (or device) was full; the measurement was still printed.</summary>
    public const int DiskFull = 6;

    /// <summary>latency --break: an interrupt reached the break threshold; its flight-recorder trace was written.</summary>
    public const int BreakThreshold = 7;
}
