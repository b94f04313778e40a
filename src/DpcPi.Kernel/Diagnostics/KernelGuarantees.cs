namespace DpcPi.Kernel;

/// <summary>
/// Which real-time guarantees were actually in force: each kernel thread reports whether it got
/// SCHED_FIFO and its CPU; memory locking is process-wide. Every report prints this, so a number
/// measured without the guarantees is never mistaken for one measured with them.
/// </summary>
public sealed class KernelGuarantees
{
    private readonly Lock _lock = new();
    private readonly List<string> _notes = [];
    private bool _realtime = true;
    private bool _pinned = true;
    private int _threads;

    /// <summary>True only if every kernel thread runs SCHED_FIFO at its configured priority.</summary>
    public bool Realtime
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _threads > 0 && _realtime;
            }
        }
    }

    /// <summary>True only if every kernel thread is pinned to its core.</summary>
    public bool Pinned
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _threads > 0 && _pinned;
            }
        }
    }

    public bool MemoryLocked { get; internal set; }

    /// <summary>One sentence per guarantee that was requested and refused, or disabled by configuration.</summary>
    public IReadOnlyList<string> Notes
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _notes.ToArray();
            }
        }
    }

    internal void ReportThread(bool realtime, bool pinned)
    {
        using (_lock.EnterScope())
        {
            _threads++;
            _realtime &= realtime;
            _pinned &= pinned;
        }
    }

    internal void AddNote(string note)
    {
        using (_lock.EnterScope())
        {
            if (!_notes.Contains(note))
            {
                _notes.Add(note);
            }
        }
    }

    public override string ToString() =>
        $"realtime={(Realtime ? "yes" : "no")} pinned={(Pinned ? "yes" : "no")} mlocked={(MemoryLocked ? "yes" : "no")}";
}
