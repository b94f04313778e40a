using System.Runtime.InteropServices;

namespace DpcPi.Platform;

/// <summary>An owned Linux file descriptor (device, epoll, eventfd, timerfd, line request).</summary>
public sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle()
        : base(new IntPtr(-1), ownsHandle: true)
    {
    }

    public FileDescriptorHandle(int fd, bool ownsHandle = true)
        : base(new IntPtr(-1), ownsHandle) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The raw descriptor number. Valid only while the handle is alive.</summary>
    public int Fd => (int)handle.ToInt64();

    /// <summary>Opens a path with O_CLOEXEC plus <paramref name="flags"/>; throws <see cref="PlatformException"/> on failure.</summary>
    public static FileDescriptorHandle Open(string path, int flags)
    {
        var fd = Libc.Open(path, flags | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            throw PlatformException.FromLastError($"cannot open {path}");
        }

        return new FileDescriptorHandle(fd);
    }

    protected override bool ReleaseHandle() => Libc.Close((int)handle.ToInt64()) == 0;
}
