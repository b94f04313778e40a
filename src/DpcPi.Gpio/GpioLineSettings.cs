namespace DpcPi.Gpio;

/// <summary>
/// How one line is configured. Immutable; combinations the kernel would reject are reported by
/// <see cref="Validate"/> (called by every backend before it touches the device).
/// </summary>
public sealed record GpioLineSettings
{
    public PinMode Mode { get; init; } = PinMode.Input;

    /// <summary>Edge detection (inputs only).</summary>
    public PinEventTypes Edges { get; init; }

    public GpioBias Bias { get; init; }

    /// <summary>Output drive (outputs only; push-pull is the default).</summary>
    public GpioDrive Drive { get; init; }

    public bool ActiveLow { get; init; }

    /// <summary>Kernel debounce period (inputs only; microsecond resolution; zero disables).</summary>
    public TimeSpan DebouncePeriod { get; init; }

    /// <summary>Output value applied when the request is made or reconfigured (outputs only).</summary>
    public PinValue OutputValue { get; init; }

    public GpioEventClock EventClock { get; init; }

    /// <summary>An input, optionally with edge detection and bias.</summary>
    public static GpioLineSettings Input(PinEventTypes edges = PinEventTypes.None, GpioBias bias = GpioBias.AsIs) =>
        new() { Mode = PinMode.Input, Edges = edges, Bias = bias };

    /// <summary>An output driven to <paramref name="initialValue"/>.</summary>
    public static GpioLineSettings Output(PinValue initialValue = PinValue.Low, GpioDrive drive = GpioDrive.PushPull) =>
        new() { Mode = PinMode.Output, OutputValue = initialValue, Drive = drive };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid combination.</summary>
    public void Validate()
    {
        var error = GetValidationError();
        if (error is not null)
        {
            throw new ArgumentException(error);
        }
    }

    /// <summary>The first invalid combination as a sentence, or null.</summary>
    public string? GetValidationError()
    {
        if (!Enum.IsDefined(Mode))
        {
            return $"Mode {(int)Mode} is not a valid PinMode.";
        }

        if ((Edges & ~(PinEventTypes.Rising | PinEventTypes.Falling)) != 0)
        {
            return $"Edges {(int)Edges} is not a combination of Rising and Falling.";
        }

        if (!Enum.IsDefined(Bias) || !Enum.IsDefined(Drive) || !Enum.IsDefined(EventClock) || !Enum.IsDefined(OutputValue))
        {
            return "Bias, Drive, EventClock and OutputValue must be defined enum values.";
        }

        if (Edges != PinEventTypes.None && Mode != PinMode.Input)
        {
            return $"Edge detection ({Edges}) needs an input line, but the line is configured as {Mode}.";
        }

        if (Drive != GpioDrive.PushPull && Mode != PinMode.Output)
        {
            return $"Drive {Drive} needs an output line, but the line is configured as {Mode}.";
        }

        if (DebouncePeriod < TimeSpan.Zero)
        {
            return $"Debounce period {DebouncePeriod} is negative.";
        }

        if (DebouncePeriod > TimeSpan.Zero && Mode != PinMode.Input)
        {
            return $"A debounce period needs an input line, but the line is configured as {Mode}.";
        }

        if (DebouncePeriod.Ticks % 10 != 0 || DebouncePeriod.TotalMicroseconds > uint.MaxValue)
        {
            return $"Debounce period {DebouncePeriod} must be a whole number of microseconds up to {uint.MaxValue} us.";
        }

        if (EventClock != GpioEventClock.Monotonic && Edges == PinEventTypes.None)
        {
            return $"Event clock {EventClock} only matters with edge detection; request Rising and/or Falling edges or leave the clock Monotonic.";
        }

        return null;
    }
}
