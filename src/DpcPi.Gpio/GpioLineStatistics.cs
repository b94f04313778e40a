namespace DpcPi.Gpio;

/// <summary>
/// Event accounting for one line (or a whole request). <see cref="Lost"/> counts sequence-number gaps
/// (the kernel's buffer overflowed and dropped the oldest events); <see cref="Merged"/> counts two equal
/// edges in a row with no gap on a both-edges line (an opposite edge happened in between but the
/// kernel saw the level only once).
/// <para>
/// <see cref="Lost"/> is exact on every backend. <see cref="Merged"/> is exact on the fake backend;
/// on a real kernel it is a detection signal, not a count: the kernel labels a both-edges event by
/// the level its IRQ thread reads, which may be later than the edge, so a late label also shows as
/// two equal edges, and three edges folded into one interrupt leave the labels alternating. When
/// edges are folded under a burst, Merged is non-zero (verified on gpio-sim); its size is an estimate.
/// </para>
/// </summary>
public readonly record struct GpioLineStatistics(long Delivered, long Lost, long Merged);
