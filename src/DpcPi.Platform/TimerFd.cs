using System.Runtime.InteropServices;

namespace DpcPi.Platform;

/// <summary>
/// A non-blocking timerfd on CLOCK_MONOTONIC armed with absolute expiries: the hardware timer
/// interrupt. The programmed expiry is the "edge" timestamp of a timer interrupt.
/// </summary>
public sealed unsafe class TimerFd : IDisposable
{
    private const int ClockMonotonic = 1;
    private const int TfdTimerAbstime = 1;

    public TimerFd()
    {
        var fd = Libc.TimerFdCreate(ClockMonotonic, Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            throw PlatformException.FromLastError("timerfd_create failed");
        }

        Handle = new FileDescriptorHandle(fd);
    }

    public FileDescriptorHandle Handle { get; }

    /// <summary>Arms the timer to expire at <paramref name="expiryNs"/> (CLOCK_MONOTONIC) and then every <paramref name="periodNs"/> (0: once).</summary>
    public void SetAbsolute(long expiryNs, long periodNs = 0)
    {
        var spec = new Libc.ITimerSpec
        {
            Value = Libc.TimeSpec.FromNanoseconds(Math.Max(1, expiryNs)),
            Interval = Libc.TimeSpec.FromNanoseconds(periodNs),
        };
        if (Libc.TimerFdSetTime(Handle.Fd, TfdTimerAbstime, &spec, null) < 0)
        {
            throw PlatformException.FromLastError("timerfd_settime failed");
        }
    }

    /// <summary>Disarms the timer.</summary>
    public void Disarm()
    {
        var spec = default(Libc.ITimerSpec);
        _ = Libc.TimerFdSetTime(Handle.Fd, 0, &spec, null);
    }

    /// <summary>Reads the number of expirations since the last read (0 when none: non-blocking).</summary>
    public ulong ReadExpirations()
    {
        ulong count = 0;
        var n = Libc.Read(Handle.Fd, &count, 8);
        if (n == 8)
        {
            return count;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Libc.EAGAIN ? 0UL : throw PlatformException.FromErrno("timerfd read failed", errno);
    }

    public void Dispose() => Handle.Dispose();
}
