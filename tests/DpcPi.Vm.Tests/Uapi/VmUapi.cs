using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace DpcPi.Vm.Uapi;

// A deliberately independent, minimal GPIO uAPI v2 client for the VM tier: the loss/error tests and
// the C# latency reader (tests/vm/cs-reader links this file) use it to observe exactly what the
// kernel does, without going through the code under test. Layouts are checked against <linux/gpio.h>.

/// <summary>A uAPI operation failed; the message names the chip, the line and the errno.</summary>
public sealed class VmGpioException : IOException
{
    public VmGpioException(string message, int errno)
        : base(message) => Errno = errno;

    public VmGpioException()
    {
    }

    public VmGpioException(string message)
        : base(message)
    {
    }

    public VmGpioException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Errno { get; }
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct LineEvent
{
    public const uint RisingEdge = 1;
    public const uint FallingEdge = 2;

    public ulong TimestampNs;
    public uint Id;
    public uint Offset;
    public uint Seqno;
    public uint LineSeqno;
    public fixed uint Padding[6];
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LineConfig
{
    public ulong Flags;
    public uint NumAttrs;
    public fixed uint Padding[5];
    public fixed byte Attrs[10 * 24];
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LineRequestStruct
{
    public fixed uint Offsets[64];
    public fixed byte Consumer[32];
    public LineConfig Config;
    public uint NumLines;
    public uint EventBufferSize;
    public fixed uint Padding[5];
    public int Fd;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LineInfoStruct
{
    public fixed byte Name[32];
    public fixed byte Consumer[32];
    public uint Offset;
    public uint NumAttrs;
    public ulong Flags;
    public fixed byte Attrs[10 * 16];
    public fixed uint Padding[4];
}

[StructLayout(LayoutKind.Sequential)]
internal struct LineValues
{
    public ulong Bits;
    public ulong Mask;
}

[StructLayout(LayoutKind.Sequential)]
internal struct TimeSpec
{
    public long Seconds;
    public long Nanoseconds;
}

[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}

internal static unsafe partial class Native
{
    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CLOEXEC = 0x80000;
    public const int EINTR = 4, EAGAIN = 11, EBUSY = 16, ENODEV = 19, ENOENT = 2;
    public const short POLLIN = 1, POLLERR = 8, POLLHUP = 16, POLLNVAL = 32;
    public const ulong FlagUsed = 1, FlagInput = 1 << 2, FlagEdgeRising = 1 << 4, FlagEdgeFalling = 1 << 5;
    public const nuint GetLineInfoIoctl = 0xC100B405;
    public const nuint GetLineIoctl = 0xC250B407;
    public const nuint GetValuesIoctl = 0xC010B40E;
    public const int ClockMonotonic = 1;
    public const int TimerAbstime = 1;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* arg);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint PWrite(int fd, void* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint nfds, int timeout);

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    public static partial int ClockGetTime(int clock, TimeSpec* ts);

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    public static partial int ClockNanosleep(int clock, int flags, TimeSpec* request, TimeSpec* remain);

    [LibraryImport("libc", EntryPoint = "strerror")]
    public static partial nint StrError(int errno);

    public static string Describe(int errno)
    {
        var name = errno switch
        {
            EBUSY => "EBUSY",
            ENODEV => "ENODEV",
            ENOENT => "ENOENT",
            EAGAIN => "EAGAIN",
            13 => "EACCES",
            22 => "EINVAL",
            _ => "errno " + errno,
        };
        return $"{Marshal.PtrToStringUTF8(StrError(errno))} ({name})";
    }
}

/// <summary>CLOCK_MONOTONIC and absolute sleeps, the clock the kernel stamps edge events with.</summary>
public static unsafe class Mono
{
    public static long NowNs()
    {
        TimeSpec ts;
        _ = Native.ClockGetTime(Native.ClockMonotonic, &ts);
        return (ts.Seconds * 1_000_000_000L) + ts.Nanoseconds;
    }

    public static void SleepUntil(long deadlineNs)
    {
        var ts = new TimeSpec { Seconds = deadlineNs / 1_000_000_000L, Nanoseconds = deadlineNs % 1_000_000_000L };
        while (Native.ClockNanosleep(Native.ClockMonotonic, Native.TimerAbstime, &ts, null) == Native.EINTR)
        {
        }
    }
}

/// <summary>One open line request (a line fd) of a chip, with both edges enabled.</summary>
public sealed unsafe class VmLineRequest : IDisposable
{
    private int _fd;

    private VmLineRequest(string chip, int offset, int fd)
    {
        Chip = chip;
        Offset = offset;
        _fd = fd;
    }

    public string Chip { get; }

    public int Offset { get; }

    public static void CheckLayouts()
    {
        if (sizeof(LineRequestStruct) != 592 || sizeof(LineInfoStruct) != 256 || sizeof(LineEvent) != 48 || sizeof(LineValues) != 16)
        {
            throw new InvalidOperationException(
                $"uAPI layout mismatch: request {sizeof(LineRequestStruct)}/592 info {sizeof(LineInfoStruct)}/256 event {sizeof(LineEvent)}/48");
        }
    }

    /// <summary>Requests <paramref name="offset"/> as an input with both edges; EBUSY names the holder.</summary>
    public static VmLineRequest RequestBothEdges(string chip, int offset, string consumer, int eventBufferSize)
    {
        CheckLayouts();
        var cfd = OpenChip(chip);
        try
        {
            LineRequestStruct req = default;
            req.Offsets[0] = (uint)offset;
            req.NumLines = 1;
            req.EventBufferSize = (uint)eventBufferSize;
            req.Config.Flags = Native.FlagInput | Native.FlagEdgeRising | Native.FlagEdgeFalling;
            var bytes = Encoding.UTF8.GetBytes(consumer);
            for (var i = 0; i < bytes.Length && i < 31; i++)
            {
                req.Consumer[i] = bytes[i];
            }

            if (Native.Ioctl(cfd, Native.GetLineIoctl, &req) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Native.EBUSY)
                {
                    var holder = GetConsumer(cfd, offset);
                    throw new VmGpioException(
                        $"Line {offset} of {chip} is busy: it is already held by consumer \"{holder}\" - {Native.Describe(errno)}.", errno);
                }

                throw new VmGpioException($"Requesting line {offset} of {chip} failed: {Native.Describe(errno)}.", errno);
            }

            return new VmLineRequest(chip, offset, req.Fd);
        }
        finally
        {
            _ = Native.Close(cfd);
        }
    }

    /// <summary>The consumer label currently holding a line ("" when free).</summary>
    public static string GetConsumer(string chip, int offset)
    {
        var cfd = OpenChip(chip);
        try
        {
            return GetConsumer(cfd, offset);
        }
        finally
        {
            _ = Native.Close(cfd);
        }
    }

    private static string GetConsumer(int chipFd, int offset)
    {
        LineInfoStruct info = default;
        info.Offset = (uint)offset;
        if (Native.Ioctl(chipFd, Native.GetLineInfoIoctl, &info) < 0)
        {
            return "<unknown: GPIO_V2_GET_LINEINFO_IOCTL failed: " + Native.Describe(Marshal.GetLastPInvokeError()) + ">";
        }

        return Marshal.PtrToStringUTF8((nint)info.Consumer) ?? string.Empty;
    }

    private static int OpenChip(string chip)
    {
        var fd = Native.Open(chip, Native.O_RDWR | Native.O_CLOEXEC);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new VmGpioException($"Opening GPIO chip {chip} failed: {Native.Describe(errno)}.", errno);
        }

        return fd;
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> and reads the queued events; 0 on timeout. A removed chip throws.</summary>
    public int ReadEvents(Span<LineEvent> buffer, int timeoutMs)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        var p = new PollFd { Fd = _fd, Events = Native.POLLIN };
        int r;
        while ((r = Native.Poll(&p, 1, timeoutMs)) < 0 && Marshal.GetLastPInvokeError() == Native.EINTR)
        {
        }

        if (r < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new VmGpioException($"poll on line {Offset} of {Chip} failed: {Native.Describe(errno)}.", errno);
        }

        if (r == 0)
        {
            return 0;
        }

        if ((p.Revents & (Native.POLLHUP | Native.POLLERR | Native.POLLNVAL)) != 0 && (p.Revents & Native.POLLIN) == 0)
        {
            throw new VmGpioException(
                $"Line {Offset} of {Chip} hung up (poll revents 0x{p.Revents:x}): the GPIO chip was removed.", Native.ENODEV);
        }

        fixed (LineEvent* b = buffer)
        {
            var n = Native.Read(_fd, b, (nuint)(buffer.Length * sizeof(LineEvent)));
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is Native.EAGAIN or Native.EINTR)
                {
                    return 0;
                }

                throw new VmGpioException(errno == Native.ENODEV
                    ? $"Reading events of line {Offset} of {Chip} failed: the GPIO chip was removed - {Native.Describe(errno)}."
                    : $"Reading events of line {Offset} of {Chip} failed: {Native.Describe(errno)}.", errno);
            }

            return (int)(n / sizeof(LineEvent));
        }
    }

    /// <summary>The line's current value (GPIO_V2_LINE_GET_VALUES_IOCTL).</summary>
    public bool GetValue()
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        var v = new LineValues { Mask = 1 };
        if (Native.Ioctl(_fd, Native.GetValuesIoctl, &v) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new VmGpioException(errno == Native.ENODEV
                ? $"Reading line {Offset} of {Chip} failed: the GPIO chip was removed - {Native.Describe(errno)}."
                : $"Reading line {Offset} of {Chip} failed: {Native.Describe(errno)}.", errno);
        }

        return (v.Bits & 1) != 0;
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            _ = Native.Close(_fd);
            _fd = -1;
        }
    }
}

/// <summary>Drives a gpio-sim line by writing its sysfs pull file (pwrite on one open fd).</summary>
public sealed unsafe class SimPull : IDisposable
{
    private static readonly byte[] Up = Encoding.ASCII.GetBytes("pull-up");
    private static readonly byte[] Down = Encoding.ASCII.GetBytes("pull-down");
    private int _fd;

    public SimPull(string pullFile)
    {
        Path = pullFile;
        _fd = Native.Open(pullFile, Native.O_WRONLY | Native.O_CLOEXEC);
        if (_fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new VmGpioException($"Opening {pullFile} failed: {Native.Describe(errno)}.", errno);
        }
    }

    public string Path { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(bool high)
    {
        var b = high ? Up : Down;
        fixed (byte* p = b)
        {
            if (Native.PWrite(_fd, p, (nuint)b.Length, 0) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new VmGpioException($"Writing {Path} failed: {Native.Describe(errno)}.", errno);
            }
        }
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            _ = Native.Close(_fd);
            _fd = -1;
        }
    }
}
