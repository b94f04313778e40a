namespace DpcPi.Gpio;

/// <summary>
/// Timestamped level sequences for <see cref="FakeGpioBackend.Schedule(string, int, IEnumerable{FakeLevelChange})"/>.
/// Pure functions: the same arguments give the same edges.
/// </summary>
public static class SignalGenerators
{
    /// <summary>A square wave / PWM: each cycle goes High at start + k*period and Low after duty*period.</summary>
    public static FakeLevelChange[] SquareWave(long startNs, long periodNs, double dutyCycle, int cycles)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(periodNs);
        ArgumentOutOfRangeException.ThrowIfNegative(cycles);
        if (!(dutyCycle > 0 && dutyCycle < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(dutyCycle), dutyCycle, "The duty cycle must be strictly between 0 and 1 (0 and 1 have no edges).");
        }

        var highNs = (long)Math.Round(periodNs * dutyCycle);
        if (highNs <= 0 || highNs >= periodNs)
        {
            throw new ArgumentOutOfRangeException(nameof(dutyCycle), dutyCycle, $"A duty cycle of {dutyCycle} leaves no whole nanosecond high or low in a {periodNs} ns period.");
        }

        var result = new FakeLevelChange[cycles * 2];
        for (var k = 0; k < cycles; k++)
        {
            var t = startNs + (k * periodNs);
            result[2 * k] = new FakeLevelChange(t, PinValue.High);
            result[(2 * k) + 1] = new FakeLevelChange(t + highNs, PinValue.Low);
        }

        return result;
    }

    /// <summary>PWM at <paramref name="frequencyHz"/> (period rounded to whole nanoseconds).</summary>
    public static FakeLevelChange[] Pwm(long startNs, double frequencyHz, double dutyCycle, int cycles) =>
        SquareWave(startNs, (long)Math.Round(1e9 / frequencyHz), dutyCycle, cycles);

    /// <summary>One pulse to <paramref name="activeLevel"/> of <paramref name="widthNs"/>, then back.</summary>
    public static FakeLevelChange[] Pulse(long startNs, long widthNs, PinValue activeLevel = PinValue.High)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(widthNs);
        var idle = activeLevel == PinValue.High ? PinValue.Low : PinValue.High;
        return [new(startNs, activeLevel), new(startNs + widthNs, idle)];
    }

    /// <summary>
    /// A mechanical switch closing to <paramref name="finalLevel"/>: it reaches it, bounces back
    /// <paramref name="bounces"/> times, and settles; 2*bounces+1 changes. Gaps are drawn uniformly from
    /// [minGapNs, maxGapNs] by a seeded generator (deterministic).
    /// </summary>
    public static FakeLevelChange[] SwitchBounce(long startNs, PinValue finalLevel, int bounces, long minGapNs, long maxGapNs, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bounces);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minGapNs);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxGapNs, minGapNs);
        var other = finalLevel == PinValue.High ? PinValue.Low : PinValue.High;
        var random = new Random(seed);
        var result = new FakeLevelChange[(2 * bounces) + 1];
        var t = startNs;
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new FakeLevelChange(t, i % 2 == 0 ? finalLevel : other);
            t += random.NextInt64(minGapNs, maxGapNs + 1);
        }

        return result;
    }

    /// <summary>
    /// A quadrature encoder turning |<paramref name="steps"/>| quarter-steps, one every <paramref name="stepPeriodNs"/>,
    /// starting from A=B=Low. Positive steps: A leads B (00, 10, 11, 01, 00...). Negative: B leads A.
    /// Each step changes exactly one channel.
    /// </summary>
    public static (FakeLevelChange[] A, FakeLevelChange[] B) QuadratureEncoder(long startNs, int steps, long stepPeriodNs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepPeriodNs);
        var a = new List<FakeLevelChange>();
        var b = new List<FakeLevelChange>();
        var levelA = false;
        var levelB = false;
        var count = Math.Abs(steps);
        for (var i = 0; i < count; i++)
        {
            var t = startNs + (i * stepPeriodNs);

            // Forward: toggle A when A == B, else B. Reverse: the opposite.
            var toggleA = (levelA == levelB) == (steps > 0);
            if (toggleA)
            {
                levelA = !levelA;
                a.Add(new FakeLevelChange(t, levelA ? PinValue.High : PinValue.Low));
            }
            else
            {
                levelB = !levelB;
                b.Add(new FakeLevelChange(t, levelB ? PinValue.High : PinValue.Low));
            }
        }

        return (a.ToArray(), b.ToArray());
    }
}
