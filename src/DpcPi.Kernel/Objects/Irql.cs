namespace DpcPi.Kernel;

/// <summary>
/// Interrupt request levels, numbered as on x64 Windows. Each DpcPi thread knows its level
/// (<see cref="DpcKernel.CurrentIrql"/>): ordinary threads run at <see cref="Passive"/>, DPC
/// routines at <see cref="Dispatch"/>, ISRs at their interrupt's device level, the clock ISR at
/// <see cref="Clock"/>. On Linux the levels map to scheduling classes: SCHED_OTHER, then SCHED_FIFO
/// priorities that rise with the level.
/// </summary>
public enum Irql : byte
{
    Passive = 0,
    Apc = 1,
    Dispatch = 2,

    /// <summary>The lowest device level (DIRQL); GPIO line interrupts default here.</summary>
    Device = 3,
    DeviceHigh = 12,
    Clock = 13,
    Ipi = 14,
    High = 15,
}
