using System.Runtime.InteropServices;

namespace DpcPi.Platform;

/// <summary>
/// An epoll instance. Each registered descriptor carries a 64-bit cookie (DpcPi uses the interrupt
/// vector). <c>struct epoll_event</c> is packed (12 bytes) on x86 and x86_64 and naturally aligned
/// (16 bytes) on arm and arm64; <see cref="Wait"/> reads whichever layout the running architecture uses.
/// </summary>
public sealed unsafe class Epoll : IDisposable
{
    public const uint In = 0x001;
    public const uint Pri = 0x002;
    public const uint Err = 0x008;
    public const uint Hup = 0x010;

    private const int CtlAdd = 1;
    private const int CtlDel = 2;

    private static readonly int s_eventSize = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 12 : 16;
    private readonly FileDescriptorHandle _fd;
    private readonly byte[] _buffer;

    public Epoll(int maxEvents = 64)
    {
        var fd = Libc.EpollCreate1(Libc.O_CLOEXEC);
        if (fd < 0)
        {
            throw PlatformException.FromLastError("epoll_create1 failed");
        }

        _fd = new FileDescriptorHandle(fd);
        _buffer = GC.AllocateArray<byte>(maxEvents * s_eventSize, pinned: true);
        MaxEvents = maxEvents;
    }

    public int MaxEvents { get; }

    public void Add(SafeHandle descriptor, ulong cookie, uint events = In)
    {
        var added = false;
        descriptor.DangerousAddRef(ref added);
        try
        {
            Control(CtlAdd, (int)descriptor.DangerousGetHandle().ToInt64(), cookie, events);
        }
        finally
        {
            descriptor.DangerousRelease();
        }
    }

    public void Remove(SafeHandle descriptor)
    {
        if (descriptor.IsClosed)
        {
            return; // closing a descriptor removes it from every epoll set
        }

        var added = false;
        descriptor.DangerousAddRef(ref added);
        try
        {
            var ev = stackalloc byte[16];
            _ = Libc.EpollCtl(_fd.Fd, CtlDel, (int)descriptor.DangerousGetHandle().ToInt64(), ev);
        }
        finally
        {
            descriptor.DangerousRelease();
        }
    }

    /// <summary>
    /// Waits for ready descriptors and writes their cookies and event masks. Returns the count (0 on
    /// timeout or EINTR). <paramref name="timeoutMs"/> -1 waits forever. Allocates nothing.
    /// </summary>
    public int Wait(Span<ulong> cookies, Span<uint> events, int timeoutMs)
    {
        var max = Math.Min(Math.Min(cookies.Length, events.Length), MaxEvents);
        int n;
        fixed (byte* buf = _buffer)
        {
            n = Libc.EpollWait(_fd.Fd, buf, max, timeoutMs);
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EINTR)
                {
                    return 0;
                }

                throw PlatformException.FromErrno("epoll_wait failed", errno);
            }

            for (var i = 0; i < n; i++)
            {
                var p = buf + (i * s_eventSize);
                events[i] = *(uint*)p;
                cookies[i] = *(ulong*)(p + (s_eventSize - 8));
            }
        }

        return n;
    }

    public void Dispose() => _fd.Dispose();

    private void Control(int op, int fd, ulong cookie, uint events)
    {
        var ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + (s_eventSize - 8)) = cookie;
        if (Libc.EpollCtl(_fd.Fd, op, fd, ev) < 0)
        {
            throw PlatformException.FromLastError("epoll_ctl failed");
        }
    }
}
