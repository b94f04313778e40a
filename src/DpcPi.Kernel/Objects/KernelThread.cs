namespace DpcPi.Kernel;

/// <summary>Per-thread kernel state: the IRQL, the logical core, and the interrupt being serviced.</summary>
internal static class KernelThread
{
    [ThreadStatic]
    private static Irql t_irql;

    [ThreadStatic]
    private static int t_cpuPlusOne;

    [ThreadStatic]
    private static Interrupt? t_interrupt;

    [ThreadStatic]
    private static long t_eventNs;

    [ThreadStatic]
    private static long t_cycle;

    [ThreadStatic]
    private static bool t_isIsrThread;

    [ThreadStatic]
    private static DpcDrain? t_drain;

    [ThreadStatic]
    private static long t_isrPass;

    [ThreadStatic]
    private static long t_interruptPass;

    /// <summary>True on the kernel's ISR thread (set once when it starts).</summary>
    public static bool IsIsrThread
    {
        get => t_isIsrThread;
        set => t_isIsrThread = value;
    }

    public static Irql Irql
    {
        get => t_irql;
        set => t_irql = value;
    }

    /// <summary>The core a kernel thread is bound to, or -1 for threads the kernel did not start.</summary>
    public static int Cpu
    {
        get => t_cpuPlusOne - 1;
        set => t_cpuPlusOne = value + 1;
    }

    public static Interrupt? CurrentInterrupt => t_interrupt;

    /// <summary>The drain whose DPC routine this thread is running now, null outside a routine (KeIsExecutingDpc, KeQueryDpcWatchdogInformation).</summary>
    public static DpcDrain? CurrentDrain
    {
        get => t_drain;
        set => t_drain = value;
    }

    public static long EventNs => t_eventNs;

    public static long Cycle => t_cycle;

    /// <summary>
    /// Inside an ISR on the ISR thread: the number of the ISR thread's current pass (its interrupts dispatched
    /// back to back, before the IRQL drops and its DPCs can run); 0 anywhere else.
    /// </summary>
    public static long InterruptPass => t_interruptPass;

    /// <summary>The ISR thread, about to dispatch what is pending: a new pass (see <see cref="InterruptPass"/>).</summary>
    public static void BeginIsrPass() => t_isrPass++;

    public static void EnterInterrupt(Interrupt interrupt, long eventNs, long cycle)
    {
        t_interrupt = interrupt;
        t_eventNs = eventNs;
        t_cycle = cycle;
        t_interruptPass = t_isrPass; // 0 on threads that never begin a pass
    }

    public static void LeaveInterrupt()
    {
        t_interrupt = null;
        t_interruptPass = 0;
    }
}
