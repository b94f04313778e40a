using System.Globalization;

namespace DpcPi.Reporting;

/// <summary>
/// A logarithmic latency axis with ticks at 1-2-5 steps (1, 2, 5, 10, 20, 50 … µs) labelled in ns, µs, ms or s.
/// A log axis keeps p50, p99 and the deadline apart when one spike is a thousand times the median; a linear one
/// presses them into the bottom pixel.
/// </summary>
internal sealed class LogAxis
{
    private static readonly double[] Steps = [1, 2, 5];

    private LogAxis(double lowUs, double highUs)
    {
        LowUs = lowUs;
        HighUs = highUs;
    }

    /// <summary>The axis' lower end (µs), a 1-2-5 value.</summary>
    public double LowUs { get; }

    /// <summary>The axis' upper end (µs), a 1-2-5 value above <see cref="LowUs"/>.</summary>
    public double HighUs { get; }

    /// <summary>Decades the axis spans.</summary>
    public double Decades => Math.Log10(HighUs / LowUs);

    /// <summary>An axis from the 1-2-5 value at or below the smallest to the one at or above the largest positive value (µs).</summary>
    public static LogAxis Spanning(IEnumerable<double> valuesUs)
    {
        ArgumentNullException.ThrowIfNull(valuesUs);
        var positive = valuesUs.Where(v => v > 0 && double.IsFinite(v)).ToArray();
        if (positive.Length == 0)
        {
            return new LogAxis(1, 10);
        }

        var low = Floor125(positive.Min());
        var high = Ceiling125(positive.Max());
        if (high <= low)
        {
            high = Ceiling125(low * 1.01);
        }

        return new LogAxis(low, high);
    }

    /// <summary>Where <paramref name="us"/> falls on the axis, 0 (low end) to 1 (high end), clamped.</summary>
    public double Fraction(double us)
    {
        if (us <= LowUs)
        {
            return 0;
        }

        return Math.Min(1, Math.Log10(us / LowUs) / Decades);
    }

    /// <summary>
    /// The ticks from the low to the high end: every 1-2-5 value, or only the 1s (decades) when the axis spans
    /// more than <paramref name="maxDecadesForAllSteps"/> decades and 2s and 5s would crowd the labels.
    /// </summary>
    public IReadOnlyList<double> Ticks(double maxDecadesForAllSteps = 4)
    {
        var decadesOnly = Decades > maxDecadesForAllSteps;
        var ticks = new List<double>();
        for (var exponent = (int)Math.Floor(Math.Log10(LowUs)); exponent <= (int)Math.Ceiling(Math.Log10(HighUs)); exponent++)
        {
            foreach (var step in Steps)
            {
                if (decadesOnly && step != 1)
                {
                    continue;
                }

                var value = Round(step * Math.Pow(10, exponent));
                if (value >= LowUs * 0.999 && value <= HighUs * 1.001)
                {
                    ticks.Add(value);
                }
            }
        }

        return ticks;
    }

    /// <summary>A latency in µs with the unit that keeps it short: "500 ns", "20 µs", "2 ms", "1 s".</summary>
    public static string Label(double us)
    {
        static string Num(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        return us switch
        {
            < 1 => Num(us * 1000) + " ns",
            < 1000 => Num(us) + " µs",
            < 1_000_000 => Num(us / 1000) + " ms",
            _ => Num(us / 1_000_000) + " s",
        };
    }

    /// <summary>A count with k/M suffixes: 1, 10, 100, 1k, 10k, 1M.</summary>
    public static string CountLabel(double count) => count switch
    {
        < 1000 => count.ToString("0", CultureInfo.InvariantCulture),
        < 1_000_000 => (count / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => (count / 1_000_000).ToString("0.#", CultureInfo.InvariantCulture) + "M",
    };

    /// <summary>The largest 1-2-5 value (… 0.5, 1, 2, 5, 10 …) at or below <paramref name="value"/> (&gt; 0).</summary>
    public static double Floor125(double value)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
        var p = Math.Pow(10, Math.Floor(Math.Log10(value)));
        var best = p;
        foreach (var step in Steps)
        {
            if (Round(step * p) <= value * (1 + 1e-9))
            {
                best = Round(step * p);
            }
        }

        return best;
    }

    /// <summary>The smallest 1-2-5 value at or above <paramref name="value"/> (&gt; 0).</summary>
    public static double Ceiling125(double value)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
        var p = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in Steps)
        {
            if (Round(step * p) >= value * (1 - 1e-9))
            {
                return Round(step * p);
            }
        }

        return Round(10 * p);
    }

    // 2 × 10^-1 is 0.20000000000000001: round to 12 significant digits so ticks compare and print exactly.
    private static double Round(double v) => double.Parse(v.ToString("G12", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
