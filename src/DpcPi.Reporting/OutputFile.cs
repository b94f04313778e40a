using System.Text;

namespace DpcPi.Reporting;

/// <summary>
/// Every file DpcPi writes goes through here: <see cref="Check"/> before a run, so a bad path fails in the first
/// second and not after an hour's soak; <see cref="Write"/> after it, atomically (a temporary file in the same
/// folder, flushed to disk, then renamed over the target), so a failure leaves the old file or none, never a
/// partial one. Character devices (/dev/stdout, /dev/null, /dev/full) are written directly: they cannot be
/// renamed over, and must not be. Every failure is one <see cref="OutputException"/> naming the path.
/// </summary>
public static class OutputFile
{
    /// <summary>Less free space than this on the target's file system fails the check (a report is tens of KiB).</summary>
    public const long MinimumFreeBytes = 1 << 20;

    /// <summary>
    /// Checks that <paramref name="path"/> (what the user gave for <paramref name="what"/>, e.g. "--json") can be
    /// written: not empty, not a folder, its folder exists or can be created (it is created now), writable, with
    /// room. Null is nothing to check. Throws <see cref="OutputException"/>.
    /// </summary>
    public static void Check(string? path, string what)
    {
        if (path is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(path))
        {
            throw new OutputException($"{what}: an empty path; give a file name", diskFull: false);
        }

        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new OutputException($"{what} {path} is a folder; give a file name (e.g. {Path.Combine(path, "report")})", diskFull: false);
        }

        if (IsDevice(full))
        {
            return; // written directly; a full device shows when it is written
        }

        var folder = Path.GetDirectoryName(full)!;
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OutputException($"{what} {path}: its folder {folder} cannot be created: {Reason(ex)}", diskFull: false, ex);
        }

        try
        {
            // A probe file proves the folder takes new files (what the atomic write needs), and an existing
            // target is opened for writing without being changed.
            using (new FileStream(Path.Combine(folder, $".dpcpi-probe-{Environment.ProcessId}"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            if (File.Exists(full))
            {
                using var existing = new FileStream(full, FileMode.Open, FileAccess.Write);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var why = ex is DirectoryNotFoundException or FileNotFoundException && Directory.Exists(folder)
                ? $"its folder {folder} takes no new files (a read-only or virtual file system)"
                : Reason(ex);
            throw new OutputException($"{what} {path} cannot be written: {why}", IsDiskFull(ex), ex);
        }

        long free;
        try
        {
            free = new DriveInfo(folder).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return; // the space is unknown here; the write itself will say
        }

        if (free < MinimumFreeBytes)
        {
            throw new OutputException($"{what} {path}: the disk holding it has {free / 1024} KiB free", diskFull: true);
        }
    }

    /// <summary>Writes <paramref name="path"/> atomically with <paramref name="write"/>. Throws <see cref="OutputException"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        if (IsDevice(full))
        {
            try
            {
                using var device = new FileStream(full, FileMode.Open, FileAccess.Write);
                write(device);
                device.Flush();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new OutputException($"cannot write {path}: {Reason(ex)}", IsDiskFull(ex), ex);
            }

            return;
        }

        var folder = Path.GetDirectoryName(full)!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.tmp-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(folder);
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new OutputException($"cannot write {path}: {Reason(ex)}", IsDiskFull(ex), ex);
        }
        catch
        {
            TryDelete(temporary); // the writer's own failure: still no partial file
            throw;
        }
    }

    /// <summary>Writes a UTF-8 (no BOM) text file atomically.</summary>
    public static void WriteText(string path, Action<TextWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), bufferSize: 16 * 1024, leaveOpen: true);
            write(writer);
        });
    }

    /// <summary>Writes <paramref name="text"/> atomically.</summary>
    public static void WriteAllText(string path, string text) => WriteText(path, w => w.Write(text));

    /// <summary>An existing node under /dev or /proc (a terminal, /dev/null, /dev/full, a pipe's /proc/self/fd/N): written in place.</summary>
    private static bool IsDevice(string full) =>
        (full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal)) && File.Exists(full);

    private static bool IsDiskFull(Exception ex) =>
        ex is IOException io && (io.HResult == 28 || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase));

    /// <summary>The cause in a few words, without the path .NET repeats in its messages.</summary>
    private static string Reason(Exception ex) => ex switch
    {
        _ when IsDiskFull(ex) => "no space left on the device",
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException or FileNotFoundException => "no such file or directory",
        IOException io when io.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase) => "read-only file system",
        _ => ex.Message.Split(" : ")[0].TrimEnd('.'),
    };

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // best effort: the temporary name is hidden and per process
        }
    }
}

/// <summary>An output could not be checked or written; <see cref="Exception.Message"/> is one line naming the path.</summary>
public sealed class OutputException : IOException
{
    public OutputException()
    {
    }

    public OutputException(string message)
        : base(message)
    {
    }

    public OutputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OutputException(string message, bool diskFull, Exception? innerException = null)
        : base(message, innerException) => DiskFull = diskFull;

    /// <summary>The disk (or device) was full: the path was right, the room was not.</summary>
    public bool DiskFull { get; }
}
