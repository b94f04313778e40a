namespace DpcPi.Gpio;

/// <summary>Conveniences over any <see cref="IGpioBackend"/>.</summary>
public static class GpioBackendExtensions
{
    /// <summary>The offset of the line named <paramref name="lineName"/>; throws <see cref="GpioException"/> (ENOENT) listing the names that exist.</summary>
    public static int FindLine(this IGpioBackend backend, string chip, string lineName)
    {
        var lines = backend.GetLines(chip);
        foreach (var line in lines)
        {
            if (string.Equals(line.Name, lineName, StringComparison.Ordinal))
            {
                return line.Offset;
            }
        }

        var named = lines.Where(l => l.Name.Length > 0).Select(l => l.Name).ToArray();
        var chipName = backend.GetChip(chip).Name;
        var hint = named.Length == 0
            ? $"its lines have no names; use an offset 0..{lines.Count - 1}"
            : $"valid names are {string.Join(", ", named)}";
        throw new GpioException($"{chipName} has no line named \"{lineName}\"; {hint}.", DpcPi.Platform.Errnos.ENOENT);
    }

    /// <summary>Requests a single line.</summary>
    public static GpioLineRequest RequestLine(this IGpioBackend backend, string chip, int offset, GpioLineSettings settings, string consumer = "dpcpi", int eventBufferSize = GpioLineRequestOptions.DefaultEventBufferSize) =>
        backend.RequestLines(chip, new GpioLineRequestOptions(consumer) { EventBufferSize = eventBufferSize }.Add(offset, settings));
}
