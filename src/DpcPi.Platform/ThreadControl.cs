using System.Runtime.InteropServices;

namespace DpcPi.Platform;

/// <summary>
/// Linux thread control for the calling thread: pinning, SCHED_FIFO, timer slack, memory locking.
/// Every call reports failure instead of throwing, so DpcPi can run without the capability and
/// say in its report which guarantee it lost.
/// </summary>
public static unsafe class ThreadControl
{
    public const int SchedOther = 0;
    public const int SchedFifo = 1;
    private const int MaskBytes = 128; // 1024 CPUs
    private const int PrSetTimerSlack = 29;
    private const int RlimitRtprio = 14;
    private const int RlimitMemlock = 8;

    public static bool IsLinux => OperatingSystem.IsLinux();

    /// <summary>Pins the calling thread to one CPU (sched_setaffinity(0, ...)). Returns 0 or errno.</summary>
    public static int PinCurrentThread(int cpu)
    {
        if (!IsLinux)
        {
            return Errnos.ENOSYS;
        }

        if (cpu < 0 || cpu >= MaskBytes * 8)
        {
            return Errnos.EINVAL;
        }

        var mask = stackalloc byte[MaskBytes];
        new Span<byte>(mask, MaskBytes).Clear();
        mask[cpu / 8] = (byte)(1 << (cpu % 8));
        return Libc.SchedSetAffinity(0, MaskBytes, mask) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>The CPUs the calling thread may run on.</summary>
    public static int[] GetAllowedCpus()
    {
        if (!IsLinux)
        {
            return Enumerable.Range(0, Environment.ProcessorCount).ToArray();
        }

        var mask = stackalloc byte[MaskBytes];
        if (Libc.SchedGetAffinity(0, MaskBytes, mask) != 0)
        {
            return Enumerable.Range(0, Environment.ProcessorCount).ToArray();
        }

        var cpus = new List<int>();
        for (var i = 0; i < MaskBytes * 8; i++)
        {
            if ((mask[i / 8] & (1 << (i % 8))) != 0)
            {
                cpus.Add(i);
            }
        }

        return cpus.ToArray();
    }

    /// <summary>Sets SCHED_FIFO at <paramref name="priority"/> (1..99) for the calling thread. Returns 0 or errno.</summary>
    public static int SetRealtime(int priority)
    {
        if (!IsLinux)
        {
            return Errnos.ENOSYS;
        }

        var param = new Libc.SchedParam { Priority = priority };
        return Libc.SchedSetScheduler(0, SchedFifo, &param) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>Returns the calling thread to SCHED_OTHER.</summary>
    public static int SetNormal()
    {
        if (!IsLinux)
        {
            return Errnos.ENOSYS;
        }

        var param = new Libc.SchedParam { Priority = 0 };
        return Libc.SchedSetScheduler(0, SchedOther, &param) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>The calling thread's scheduling policy (0 SCHED_OTHER, 1 SCHED_FIFO, ...), or -1.</summary>
    public static int GetPolicy() => IsLinux ? Libc.SchedGetScheduler(0) : -1;

    /// <summary>Sets the calling thread's timer slack (ns); 1 makes timerfd and epoll timeouts as exact as the kernel allows.</summary>
    public static int SetTimerSlack(long nanoseconds)
    {
        if (!IsLinux)
        {
            return Errnos.ENOSYS;
        }

        return Libc.Prctl(PrSetTimerSlack, (nuint)nanoseconds, 0, 0, 0) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>mlockall(MCL_CURRENT | MCL_FUTURE). Returns 0 or errno.</summary>
    public static int LockAllMemory()
    {
        if (!IsLinux)
        {
            return Errnos.ENOSYS;
        }

        return Libc.MLockAll(1 | 2) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    public static void UnlockAllMemory()
    {
        if (IsLinux)
        {
            _ = Libc.MUnlockAll();
        }
    }

    /// <summary>The CPU the calling thread runs on now (sched_getcpu), or the runtime's estimate off Linux.</summary>
    public static int CurrentCpu()
    {
        if (IsLinux)
        {
            var cpu = Libc.SchedGetCpu();
            if (cpu >= 0)
            {
                return cpu;
            }
        }

        return Thread.GetCurrentProcessorId();
    }

    /// <summary>The kernel thread id of the calling thread.</summary>
    public static int CurrentThreadId() => IsLinux ? Libc.GetTid() : Environment.CurrentManagedThreadId;

    /// <summary>RLIMIT_RTPRIO soft limit (the highest SCHED_FIFO priority an unprivileged process may set).</summary>
    public static ulong RealtimePriorityLimit() => GetLimit(RlimitRtprio);

    /// <summary>RLIMIT_MEMLOCK soft limit in bytes (ulong.MaxValue = unlimited).</summary>
    public static ulong MemoryLockLimit() => GetLimit(RlimitMemlock);

    public static string Describe(int errno) => errno == 0 ? "ok" : $"{Marshal.GetPInvokeErrorMessage(errno)} ({Errnos.Name(errno)})";

    private static ulong GetLimit(int resource)
    {
        if (!IsLinux)
        {
            return 0;
        }

        Libc.RLimit lim;
        if (Libc.GetRLimit(resource, &lim) != 0)
        {
            return 0;
        }

        return lim.Current == nuint.MaxValue ? ulong.MaxValue : lim.Current; // RLIM_INFINITY is all ones in the word size
    }
}
