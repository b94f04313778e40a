using System.Runtime.InteropServices;

namespace DpcPi.Platform;

/// <summary>A failed libc call: carries errno and a sentence a user can act on.</summary>
public sealed class PlatformException : IOException
{
    public PlatformException(string message, int errno)
        : base(message) => Errno = errno;

    public PlatformException(string message, int errno, Exception inner)
        : base(message, inner) => Errno = errno;

    public PlatformException()
        : base("A system call failed.")
    {
    }

    public PlatformException(string message)
        : base(message)
    {
    }

    public PlatformException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The Linux errno value (for example 16 for EBUSY, 13 for EACCES).</summary>
    public int Errno { get; }

    /// <summary>The symbolic name of <see cref="Errno"/> when DpcPi knows it (EBUSY, EACCES, ...).</summary>
    public string ErrnoName => Errnos.Name(Errno);

    /// <summary>Builds an exception from the calling thread's last errno: "<paramref name="what"/>: strerror (ENAME)".</summary>
    public static PlatformException FromLastError(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        return FromErrno(what, errno);
    }

    public static PlatformException FromErrno(string what, int errno) =>
        new($"{what}: {Marshal.GetPInvokeErrorMessage(errno)} ({Errnos.Name(errno)})", errno);
}
