using System.Runtime.InteropServices;

namespace DpcPi.Platform;

/// <summary>
/// The Linux futex (private, process-local): a wait on a 32-bit word that sleeps only while the word still
/// holds the expected value, and a wake of its sleepers. The cheapest sleep/wake a thread can do: one system
/// call each way, no user-space lock. The word must not move: use pinned or native memory.
/// </summary>
public static unsafe class Futex
{
    private const int FutexWait = 0;
    private const int FutexWake = 1;
    private const int FutexPrivateFlag = 128;
    private const int ETimedOut = 110;

    /// <summary>SYS_futex of this process's architecture (the generic table for arm64, riscv64 and loongarch64).</summary>
    private static readonly nint s_syscall = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.X86 or Architecture.Arm => 240,
        Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64 => 98,
        Architecture.Ppc64le => 221,
        Architecture.S390x => 238,
        _ => -1,
    };

    /// <summary>Whether futexes are available here (Linux on an architecture whose system call number DpcPi knows).</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && s_syscall >= 0;

    /// <summary>
    /// Sleeps while <c>*address == expected</c>, until <see cref="Wake"/> (or a signal: callers re-check their
    /// condition and wait again). Returns at once if the word already differs. Allocates nothing.
    /// </summary>
    public static void Wait(int* address, int expected)
    {
        if (Libc.Syscall(s_syscall, (nint)address, FutexWait | FutexPrivateFlag, expected, 0, 0, 0) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is not (Libc.EAGAIN or Libc.EINTR))
            {
                throw PlatformException.FromErrno("futex wait failed", errno);
            }
        }
    }

    /// <summary>
    /// As <see cref="Wait(int*, int)"/>, but sleeps at most <paramref name="timeoutNs"/> (relative, CLOCK_MONOTONIC);
    /// returns on a wake, a changed word, a signal or the timeout alike: callers re-check their condition and their
    /// deadline. Allocates nothing.
    /// </summary>
    public static void Wait(int* address, int expected, long timeoutNs)
    {
        var timeout = Libc.TimeSpec.FromNanoseconds(Math.Max(0, timeoutNs));
        if (Libc.Syscall(s_syscall, (nint)address, FutexWait | FutexPrivateFlag, expected, (nint)(&timeout), 0, 0) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is not (Libc.EAGAIN or Libc.EINTR or ETimedOut))
            {
                throw PlatformException.FromErrno("futex wait failed", errno);
            }
        }
    }

    /// <summary>Wakes up to <paramref name="count"/> threads sleeping on <paramref name="address"/>; returns how many woke.</summary>
    public static int Wake(int* address, int count)
    {
        var woken = Libc.Syscall(s_syscall, (nint)address, FutexWake | FutexPrivateFlag, count, 0, 0, 0);
        if (woken < 0)
        {
            throw PlatformException.FromLastError("futex wake failed");
        }

        return (int)woken;
    }
}
