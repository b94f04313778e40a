namespace DpcPi.Reporting;

/// <summary>Which real-time guarantees were in force while the figures were measured.</summary>
public sealed record GuaranteesReport(bool Realtime, bool Pinned, bool MemoryLocked, IReadOnlyList<string> Notes)
{
    public bool AllInForce => Realtime && Pinned && MemoryLocked;

    /// <summary>The guarantees that were not in force, in words ("real-time scheduling", "CPU pinning", "memory locking").</summary>
    public IReadOnlyList<string> Missing()
    {
        var missing = new List<string>();
        if (!Realtime)
        {
            missing.Add("real-time scheduling (SCHED_FIFO)");
        }

        if (!Pinned)
        {
            missing.Add("CPU pinning");
        }

        if (!MemoryLocked)
        {
            missing.Add("memory locking (mlockall)");
        }

        return missing;
    }
}
