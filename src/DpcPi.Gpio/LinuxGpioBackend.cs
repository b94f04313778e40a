using System.Globalization;
using System.Runtime.InteropServices;
using DpcPi.Platform;
using DpcPi.Platform.Gpio;

namespace DpcPi.Gpio;

/// <summary>The Linux GPIO character device (uAPI v2, kernel 5.10 or later): /dev/gpiochipN.</summary>
public sealed unsafe class LinuxGpioBackend : IGpioBackend
{
    public LinuxGpioBackend(string deviceDirectory = "/dev") => DeviceDirectory = deviceDirectory;

    public string DeviceDirectory { get; }

    public IReadOnlyList<GpioChipInfo> GetChips()
    {
        if (!Directory.Exists(DeviceDirectory))
        {
            return [];
        }

        var chips = new List<GpioChipInfo>();
        foreach (var path in ChipPaths())
        {
            chips.Add(QueryChip(path));
        }

        return chips;
    }

    public GpioChipInfo GetChip(string chip) => QueryChip(ResolvePath(chip));

    public GpioLineInfo GetLineInfo(string chip, int offset)
    {
        var info = GetChip(chip);
        CheckOffset(info, offset);
        using var fd = OpenChip(info.Path);
        return QueryLine(fd, info, offset);
    }

    public IReadOnlyList<GpioLineInfo> GetLines(string chip)
    {
        var info = GetChip(chip);
        using var fd = OpenChip(info.Path);
        var lines = new GpioLineInfo[info.LineCount];
        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = QueryLine(fd, info, i);
        }

        return lines;
    }

    public GpioLineRequest RequestLines(string chip, GpioLineRequestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var info = GetChip(chip);
        foreach (var line in options.Lines)
        {
            CheckOffset(info, line.Offset);
        }

        options.Validate(info.LineCount);

        var req = default(GpioUapi.LineRequest);
        for (var i = 0; i < options.Lines.Count; i++)
        {
            req.Offsets[i] = (uint)options.Lines[i].Offset;
        }

        _ = GpioUapi.WriteName(req.Consumer, options.Consumer);
        LineFlags.EncodeConfig(options.Lines.ToArray(), ref req.Config);
        req.NumLines = (uint)options.Lines.Count;
        req.EventBufferSize = (uint)options.EventBufferSize;

        using var chipFd = OpenChip(info.Path);
        if (Libc.Ioctl(chipFd.Fd, GpioUapi.GetLineIoctl, &req) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw RequestError(chipFd, info, options, errno);
        }

        var lineFd = new FileDescriptorHandle(req.Fd);
        try
        {
            var fl = Libc.Fcntl(req.Fd, Libc.F_GETFL, 0);
            if (fl < 0 || Libc.Fcntl(req.Fd, Libc.F_SETFL, fl | Libc.O_NONBLOCK) < 0)
            {
                throw new GpioException($"Cannot make the line request on {info.Name} non-blocking: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.", Marshal.GetLastPInvokeError());
            }

            return new LinuxGpioLineRequest(info, options, lineFd);
        }
        catch
        {
            lineFd.Dispose();
            throw;
        }
    }

    internal static GpioException AccessError(string path, int errno) => new(
        $"Permission denied opening {path} ({Errnos.Name(errno)}): add your user to the 'gpio' group (sudo usermod -aG gpio $USER, then log in again) or check the device's owner and mode with 'ls -l {path}'.",
        errno);

    private static void CheckOffset(GpioChipInfo info, int offset)
    {
        if (offset < 0 || offset >= info.LineCount)
        {
            throw GpioErrors.LineOutOfRange(info, offset);
        }
    }

    private static FileDescriptorHandle OpenChip(string path)
    {
        var fd = Libc.Open(path, Libc.O_RDWR | Libc.O_CLOEXEC);
        if (fd >= 0)
        {
            return new FileDescriptorHandle(fd);
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno is Errnos.EACCES or Errnos.EPERM)
        {
            throw AccessError(path, errno);
        }

        throw new GpioException($"Cannot open {path}: {Marshal.GetPInvokeErrorMessage(errno)} ({Errnos.Name(errno)}).", errno);
    }

    private static GpioChipInfo QueryChip(string path)
    {
        using var fd = OpenChip(path);
        GpioUapi.ChipInfo ci;
        if (Libc.Ioctl(fd.Fd, GpioUapi.GetChipInfoIoctl, &ci) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new GpioException($"{path} is not a GPIO character device (GPIO_GET_CHIPINFO_IOCTL failed: {Errnos.Name(errno)}).", errno);
        }

        return new GpioChipInfo(GpioUapi.ReadName(ci.Name), path, GpioUapi.ReadName(ci.Label), (int)ci.Lines);
    }

    private static GpioLineInfo QueryLine(FileDescriptorHandle fd, GpioChipInfo chip, int offset)
    {
        var li = default(GpioUapi.LineInfo);
        li.Offset = (uint)offset;
        if (Libc.Ioctl(fd.Fd, GpioUapi.GetLineInfoIoctl, &li) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new GpioException($"Cannot read line {offset} of {chip.Name} (GPIO_V2_GET_LINEINFO_IOCTL: {Errnos.Name(errno)}); a kernel older than 5.10 lacks uAPI v2.", errno);
        }

        uint debounce = 0;
        for (var i = 0; i < (int)Math.Min(li.NumAttrs, GpioUapi.NumAttrsMax); i++)
        {
            if (li.Attrs[i].Id == GpioUapi.AttrIdDebounce)
            {
                debounce = li.Attrs[i].DebouncePeriodUs;
            }
        }

        return LineFlags.ToLineInfo(offset, GpioUapi.ReadName(li.Name), GpioUapi.ReadName(li.Consumer), li.Flags, debounce);
    }

    private static GpioException RequestError(FileDescriptorHandle chipFd, GpioChipInfo info, GpioLineRequestOptions options, int errno)
    {
        var offsets = string.Join(", ", options.Lines.Select(l => l.Offset));
        switch (errno)
        {
            case Errnos.EBUSY:
                foreach (var line in options.Lines)
                {
                    GpioLineInfo li;
                    try
                    {
                        li = QueryLine(chipFd, info, line.Offset);
                    }
                    catch (GpioException)
                    {
                        continue;
                    }

                    if (li.IsUsed)
                    {
                        return GpioErrors.Busy(info, li.Offset, li.Name, li.Consumer);
                    }
                }

                return new GpioException($"Lines {offsets} on {info.Name} are busy (EBUSY), but none reports a consumer any more; retry.", errno);
            case Errnos.EACCES or Errnos.EPERM:
                return AccessError(info.Path, errno);
            case Errnos.EOPNOTSUPP:
                return new GpioException($"The {info.Label} driver of {info.Name} does not support the requested configuration of lines {offsets} (bias, drive, debounce or HTE clock) (EOPNOTSUPP).", errno);
            case Errnos.ENOTTY:
                return new GpioException($"{info.Name} does not understand GPIO uAPI v2 (ENOTTY): the kernel is older than 5.10.", errno);
            case Errnos.EINVAL:
                return new GpioException($"The kernel rejected the configuration of lines {offsets} on {info.Name} (EINVAL): {string.Join("; ", options.Lines.Select(l => $"{l.Offset}: {Describe(l.Settings)}"))}.", errno);
            default:
                return new GpioException($"Requesting lines {offsets} on {info.Name} failed: {Marshal.GetPInvokeErrorMessage(errno)} ({Errnos.Name(errno)}).", errno);
        }
    }

    private static string Describe(GpioLineSettings s) =>
        $"{s.Mode}, edges {s.Edges}, bias {s.Bias}, drive {s.Drive}, active-low {s.ActiveLow}, debounce {s.DebouncePeriod.TotalMicroseconds} us, clock {s.EventClock}";

    private IEnumerable<string> ChipPaths() =>
        Directory.EnumerateFiles(DeviceDirectory, "gpiochip*")
            .Where(p => Path.GetFileName(p).Length > 8 && Path.GetFileName(p)[8..].All(char.IsAsciiDigit))
            .OrderBy(p => int.Parse(Path.GetFileName(p)[8..], CultureInfo.InvariantCulture));

    private string ResolvePath(string chip)
    {
        ArgumentException.ThrowIfNullOrEmpty(chip);
        if (chip.StartsWith('/') && File.Exists(chip))
        {
            return chip;
        }

        var candidate = chip.All(char.IsAsciiDigit) ? Path.Combine(DeviceDirectory, "gpiochip" + chip) : Path.Combine(DeviceDirectory, chip);
        if (!chip.StartsWith('/') && File.Exists(candidate))
        {
            return candidate;
        }

        var chips = GetChips();
        foreach (var c in chips)
        {
            if (string.Equals(c.Label, chip, StringComparison.Ordinal) || string.Equals(c.Name, chip, StringComparison.Ordinal))
            {
                return c.Path;
            }
        }

        throw GpioErrors.ChipNotFound(chip, chips, DeviceDirectory);
    }
}
