using System.Globalization;

namespace DpcPi.Platform;

/// <summary>
/// One thread's scheduler and memory figures from /proc: from <c>/proc/self/task/TID/schedstat</c> the time it ran
/// and the time it waited runnable on a run queue without running (the scheduler's run delay), from
/// <c>/proc/self/task/TID/stat</c> its minor and major page faults. Take a reading before and after, then
/// <see cref="Since"/>; reading costs two small file reads, so it belongs off the hot path.
/// </summary>
public readonly record struct ThreadTimes(long RunNs, long RunnableWaitNs, long MinorFaults, long MajorFaults)
{
    /// <summary>Reads thread <paramref name="tid"/> of this process; null where /proc lacks it (not Linux, thread gone, schedstats off).</summary>
    public static ThreadTimes? Read(int tid)
    {
        try
        {
            var dir = $"/proc/self/task/{tid.ToString(CultureInfo.InvariantCulture)}/";
            if (!File.Exists(dir + "schedstat"))
            {
                return null;
            }

            return Parse(File.ReadAllText(dir + "schedstat"), File.ReadAllText(dir + "stat"));
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
    /// Parses a schedstat line ("run_ns wait_ns timeslices") and a stat line (minflt is the 10th field, majflt the
    /// 12th; fields are counted after the command name's closing parenthesis, which may itself hold spaces).
    /// Null when either does not have that shape.
    /// </summary>
    public static ThreadTimes? Parse(string schedstat, string stat)
    {
        ArgumentNullException.ThrowIfNull(schedstat);
        ArgumentNullException.ThrowIfNull(stat);
        var s = schedstat.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var close = stat.LastIndexOf(')');
        if (s.Length < 2 || close < 0)
        {
            return null;
        }

        // After ")": field 3 (state) is index 0, so field N is index N - 3.
        var f = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 10
            || !long.TryParse(s[0], NumberStyles.None, CultureInfo.InvariantCulture, out var run)
            || !long.TryParse(s[1], NumberStyles.None, CultureInfo.InvariantCulture, out var wait)
            || !long.TryParse(f[7], NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            || !long.TryParse(f[9], NumberStyles.None, CultureInfo.InvariantCulture, out var major))
        {
            return null;
        }

        return new ThreadTimes(run, wait, minor, major);
    }

    /// <summary>What happened between <paramref name="earlier"/> and this reading.</summary>
    public ThreadTimes Since(ThreadTimes earlier) =>
        new(RunNs - earlier.RunNs, RunnableWaitNs - earlier.RunnableWaitNs, MinorFaults - earlier.MinorFaults, MajorFaults - earlier.MajorFaults);
}
