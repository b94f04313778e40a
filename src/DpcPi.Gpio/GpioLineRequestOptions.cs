namespace DpcPi.Gpio;

/// <summary>A request for up to 64 lines of one chip, each with its own settings.</summary>
public sealed class GpioLineRequestOptions
{
    /// <summary>DpcPi's default kernel event buffer (the kernel's own default is 16 per line; 1024 is its maximum).</summary>
    public const int DefaultEventBufferSize = 1024;

    /// <summary>The largest buffer the kernel grants (GPIO_V2_LINES_MAX * 16); larger requests are silently clamped by the kernel, so DpcPi rejects them.</summary>
    public const int MaxEventBufferSize = 1024;

    public const int MaxLines = 64;

    public GpioLineRequestOptions(string consumer) => Consumer = consumer;

    /// <summary>The consumer label the kernel shows for the lines (at most 31 bytes).</summary>
    public string Consumer { get; }

    /// <summary>Kernel edge-event buffer size in events (1..1024; the kernel rounds it up to a power of two).</summary>
    public int EventBufferSize { get; init; } = DefaultEventBufferSize;

    public IList<GpioRequestedLine> Lines { get; } = new List<GpioRequestedLine>();

    /// <summary>Adds a line; returns this for chaining.</summary>
    public GpioLineRequestOptions Add(int offset, GpioLineSettings settings)
    {
        Lines.Add(new GpioRequestedLine(offset, settings));
        return this;
    }

    /// <summary>Validates everything that does not need the chip; throws <see cref="ArgumentException"/> with one sentence.</summary>
    public void Validate(int chipLineCount = int.MaxValue)
    {
        if (string.IsNullOrEmpty(Consumer))
        {
            throw new ArgumentException("The consumer label must not be empty: the kernel shows it to whoever finds the line busy.");
        }

        if (System.Text.Encoding.UTF8.GetByteCount(Consumer) > 31)
        {
            throw new ArgumentException($"The consumer label \"{Consumer}\" is longer than the kernel's 31 bytes.");
        }

        if (Lines.Count == 0 || Lines.Count > MaxLines)
        {
            throw new ArgumentException($"A request needs 1 to {MaxLines} lines, not {Lines.Count}.");
        }

        if (EventBufferSize < 1 || EventBufferSize > MaxEventBufferSize)
        {
            throw new ArgumentException($"Event buffer size {EventBufferSize} is outside 1..{MaxEventBufferSize} (the kernel's maximum).");
        }

        for (var i = 0; i < Lines.Count; i++)
        {
            var line = Lines[i];
            if (line.Offset < 0 || line.Offset >= chipLineCount)
            {
                throw new ArgumentException($"Line offset {line.Offset} is outside the chip's range 0..{chipLineCount - 1}.");
            }

            for (var j = 0; j < i; j++)
            {
                if (Lines[j].Offset == line.Offset)
                {
                    throw new ArgumentException($"Line offset {line.Offset} is requested twice.");
                }
            }

            var error = line.Settings.GetValidationError();
            if (error is not null)
            {
                throw new ArgumentException($"Line {line.Offset}: {error}");
            }
        }
    }
}
