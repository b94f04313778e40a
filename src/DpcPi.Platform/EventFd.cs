using System.Runtime.InteropServices;

namespace DpcPi.Platform;

/// <summary>A non-blocking eventfd: the software interrupt line (wake-ups, shutdown, fake devices).</summary>
public sealed unsafe class EventFd : IDisposable
{
    private const int EfdNonBlock = 0x800;
    private const int EfdCloexec = 0x80000;

    public EventFd()
    {
        var fd = Libc.EventFd(0, EfdNonBlock | EfdCloexec);
        if (fd < 0)
        {
            throw PlatformException.FromLastError("eventfd failed");
        }

        Handle = new FileDescriptorHandle(fd);
    }

    public FileDescriptorHandle Handle { get; }

    /// <summary>Adds one to the counter, making the descriptor readable. Allocates nothing.</summary>
    public void Signal()
    {
        ulong one = 1;
        if (Libc.Write(Handle.Fd, &one, 8) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.EAGAIN)
            {
                throw PlatformException.FromErrno("eventfd write failed", errno);
            }
        }
    }

    /// <summary>Reads and resets the counter; returns 0 when it was not signalled.</summary>
    public ulong Drain()
    {
        ulong value = 0;
        return Libc.Read(Handle.Fd, &value, 8) == 8 ? value : 0;
    }

    public void Dispose() => Handle.Dispose();
}
