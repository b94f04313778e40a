namespace DpcPi.Kernel;

/// <summary>
/// An ISR: runs on the ISR thread at its interrupt's device IRQL, does the minimum (read the frame,
/// acknowledge, queue a DPC) and returns whether the interrupt was its device's.
/// </summary>
public delegate bool InterruptServiceRoutine(Interrupt interrupt, object? serviceContext, ref InterruptFrame frame);
