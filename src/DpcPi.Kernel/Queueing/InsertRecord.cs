namespace DpcPi.Kernel;

/// <summary>
/// What one insert hands to the run it causes: the system arguments and the stage stamps. It travels in
/// the lane's ring slot (so the worker that runs it reads one slot, not the DPC's queue lines) and is
/// copied into the DPC's queue state only when the DPC goes to the list or the overflow. A stack value.
/// </summary>
internal struct InsertRecord
{
    public Interrupt? Source;
    public nint Argument1;
    public nint Argument2;
    public long EventTimestampNs;
    public long QueuedNs;
    public long Cycle;
}
