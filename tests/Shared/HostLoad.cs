using System.Globalization;

namespace DpcPi.TestSupport;

/// <summary>
/// The host's 1-minute load average, for the few tests that check a time limit: the limit is asserted only while
/// the host has a CPU to spare, and reported as inconclusive otherwise (a shared CI machine is often saturated).
/// </summary>
public static class HostLoad
{
    /// <summary>The 1-minute load average; 0 where /proc/loadavg does not exist.</summary>
    public static double OneMinute() =>
        File.Exists("/proc/loadavg")
        && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load)
            ? load
            : 0;

    /// <summary>True when runnable threads outnumber the CPUs: a wall-clock limit says nothing about the code then.</summary>
    public static bool IsBusy(out double load)
    {
        load = OneMinute();
        return load >= Environment.ProcessorCount;
    }
}
