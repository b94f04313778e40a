namespace DpcPi.Kernel;

/// <summary>
/// Where an inserted DPC goes and whether its core's worker is woken at once, as KeSetImportanceDpc.
/// High goes to the head of the queue; the others to the tail. Low wakes the worker only when the
/// queue depth reaches the core's maximum depth or its request rate is below the minimum rate;
/// Medium also wakes it when the DPC targets the inserting core; MediumHigh and High always wake it.
/// </summary>
public enum DpcImportance
{
    Low,
    Medium,
    MediumHigh,
    High,
}
