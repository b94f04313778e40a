namespace DpcPi.Gpio;

/// <summary>A GPIO operation failed; <see cref="Exception.Message"/> is one sentence a user can act on.</summary>
public sealed class GpioException : IOException
{
    public GpioException()
        : base("A GPIO operation failed.")
    {
    }

    public GpioException(string message)
        : base(message)
    {
    }

    public GpioException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public GpioException(string message, int errno, Exception? innerException = null)
        : base(message, innerException) => Errno = errno;

    /// <summary>The Linux errno (16 EBUSY, 13 EACCES, 2 ENOENT, ...), or 0.</summary>
    public int Errno { get; }

    /// <summary>The symbolic errno name.</summary>
    public string ErrnoName => DpcPi.Platform.Errnos.Name(Errno);
}
