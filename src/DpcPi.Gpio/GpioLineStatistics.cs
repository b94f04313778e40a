namespace DpcPi.Gpio;

/// <summary>
/// Event accounting for one line (or a whole request). <see cref="Lost"/> counts sequence-number gaps
/// (the kernel's buffer overflowed and dropped the oldest events); <see cref="Merged"/> counts two equal
/// edges in a row with no gap on a both-edges line (an opposite edge happened in between but the
/// kernel saw the level only once).
/// </summary>
public readonly record struct GpioLineStatistics(long Delivered, long Lost, long Merged);
