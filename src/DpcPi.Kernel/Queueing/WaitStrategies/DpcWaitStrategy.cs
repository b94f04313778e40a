namespace DpcPi.Kernel;

/// <summary>
/// How an idle DPC worker waits for work. The trade-off is wake-up latency against CPU time:
/// <list type="bullet">
/// <item><see cref="Blocking"/>: sleeps in the kernel at once. No CPU while idle; every wake-up pays a
/// futex wake and a context switch (tens of µs on a Pi, more without PREEMPT_RT).</item>
/// <item><see cref="SpinThenBlock"/> (default): spins for a bounded time after the last DPC, then
/// sleeps. Bursts are handled at spin latency; idle cores cost at most the spin window per burst.</item>
/// <item><see cref="BusySpin"/>: never sleeps. Lowest latency, but burns its core at 100%: use it only
/// on an isolated core (isolcpus), and never at a SCHED_FIFO priority above the kernel's GPIO IRQ
/// threads (50) on a core that also takes those interrupts.</item>
/// </list>
/// </summary>
public enum DpcWaitStrategy
{
    Blocking,
    SpinThenBlock,
    BusySpin,
}
