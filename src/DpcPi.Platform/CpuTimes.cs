using System.Globalization;

namespace DpcPi.Platform;

/// <summary>
/// CPU time from /proc/stat, summed over a set of CPUs, in USER_HZ ticks: all of it and the part the hypervisor
/// gave to something else while a vCPU wanted to run (steal). On a virtual machine every latency figure measures
/// the host as well; steal says how much. Take one reading before and one after, then <see cref="Since"/>.
/// </summary>
public readonly record struct CpuTimes(long TotalTicks, long StealTicks)
{
    /// <summary>The least steal (%) reports mention: below it the host's share is within the figures' noise.</summary>
    public const double StealWorthNoting = 1.0;

    /// <summary>Steal as a percentage of the time covered; null when no time was covered.</summary>
    public double? StealPercent => TotalTicks > 0 ? 100.0 * StealTicks / TotalTicks : null;

    /// <summary>Reads /proc/stat for <paramref name="cpus"/>; null where there is no /proc/stat (not Linux) or it lacks them.</summary>
    public static CpuTimes? Read(IReadOnlyCollection<int> cpus)
    {
        try
        {
            return File.Exists("/proc/stat") ? Parse(File.ReadAllText("/proc/stat"), cpus) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Sums the "cpuN" lines of /proc/stat text for <paramref name="cpus"/> (null: every CPU listed): total = user + nice + system + idle + iowait
    /// + irq + softirq + steal (guest time is already inside user and nice); steal is the eighth field. Null when
    /// none of the CPUs has a line. Kernels before 2.6.11 have no steal field: it counts as 0.
    /// </summary>
    public static CpuTimes? Parse(string procStat, IReadOnlyCollection<int>? cpus)
    {
        ArgumentNullException.ThrowIfNull(procStat);
        long total = 0;
        long steal = 0;
        var found = false;
        foreach (var line in procStat.Split('\n'))
        {
            if (!line.StartsWith("cpu", StringComparison.Ordinal) || line.Length < 4 || !char.IsAsciiDigit(line[3]))
            {
                continue; // the summary "cpu " line and everything else
            }

            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (!int.TryParse(fields[0].AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var cpu) || (cpus is not null && !cpus.Contains(cpu)))
            {
                continue;
            }

            for (var i = 1; i < fields.Length && i <= 8; i++)
            {
                if (!long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
                {
                    return null;
                }

                total += ticks;
                if (i == 8)
                {
                    steal += ticks;
                }
            }

            found = true;
        }

        return found ? new CpuTimes(total, steal) : null;
    }

    /// <summary>The time between <paramref name="earlier"/> and this reading.</summary>
    public CpuTimes Since(CpuTimes earlier) => new(TotalTicks - earlier.TotalTicks, StealTicks - earlier.StealTicks);

    /// <summary>The time between two readings; null when either is unknown.</summary>
    public static CpuTimes? Between(CpuTimes? before, CpuTimes? after) => before is { } b && after is { } a ? a.Since(b) : null;

    /// <summary>Two stretches of time together (rounds of one measurement, pooled).</summary>
    public static CpuTimes operator +(CpuTimes x, CpuTimes y) => new(x.TotalTicks + y.TotalTicks, x.StealTicks + y.StealTicks);

    /// <summary>"12.3%" (invariant culture), or "n/a".</summary>
    public static string Format(double? percent) => percent is { } p ? p.ToString("0.0", CultureInfo.InvariantCulture) + "%" : "n/a";
}
