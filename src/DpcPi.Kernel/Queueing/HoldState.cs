namespace DpcPi.Kernel;

/// <summary>
/// One core's hold (<see cref="ProcessorHold"/>): the count, written only under the core's lock, and the event a
/// held normal worker waits on until the last hold is released.
/// </summary>
internal sealed class HoldState : IDisposable
{
    private readonly ManualResetEventSlim _released = new(true, spinCount: 0);
    private int _count; // under the core's lock

    /// <summary>Lock-free look (inserts, the tick, the threaded worker's yield).</summary>
    public bool IsHeld => Volatile.Read(ref _count) > 0;

    /// <summary>Under the core's lock.</summary>
    public bool IsHeldLocked => _count > 0;

    /// <summary>Under the core's lock.</summary>
    public void EnterLocked()
    {
        if (_count++ == 0)
        {
            _released.Reset();
        }
    }

    /// <summary>Under the core's lock: true when this was the last hold.</summary>
    public bool ExitLocked()
    {
        if (--_count > 0)
        {
            return false;
        }

        _released.Set();
        return true;
    }

    /// <summary>The held normal worker: waits for the last release.</summary>
    public void WaitReleased() => _released.Wait();

    public void Dispose() => _released.Dispose();
}
