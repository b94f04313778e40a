using DpcPi.Gpio;
using DpcPi.Platform;

namespace DpcPi.Labs.Framework;

/// <summary>
/// Square waves on output lines, toggled by this thread at absolute CLOCK_MONOTONIC deadlines
/// (clock_nanosleep). DpcPi has no PWM driver: on a Pi the labs' "PWM" pins are driven this way, so the
/// waves carry a userspace timer's wake-up jitter (tens of µs on a busy Pi) — what the labs then measure.
/// A late wake-up never bunches toggles to catch up: the next one comes at least half a step later, so
/// no two edges reach the input closer than the wave's own half-periods allow.
/// </summary>
public sealed class SoftwareClock
{
    private readonly List<(GpioLineRequest Request, int Line, long PeriodNs, long HighNs)> _waves = [];

    /// <summary>Adds a wave: high for <paramref name="highNs"/> of every <paramref name="periodNs"/>.</summary>
    public SoftwareClock Add(GpioLineRequest request, int line, long periodNs, long highNs)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(periodNs, highNs);
        _waves.Add((request, line, periodNs, highNs));
        return this;
    }

    /// <summary>Rising edges made so far, per wave in the order added.</summary>
    public IReadOnlyList<long> Cycles => _cycles;

    private readonly List<long> _cycles = [];

    /// <summary>
    /// The deadline <paramref name="stepNs"/> after <paramref name="deadlineNs"/>, or half a step from now when
    /// the wake-up for it came late: what was missed is skipped, never made up in a burst. Every paced loop of
    /// the labs takes its next deadline here.
    /// </summary>
    public static long NextDeadline(long deadlineNs, long stepNs) => Math.Max(deadlineNs + stepNs, MonotonicClock.NowNs + (stepNs / 2));

    /// <summary>Toggles every wave from <paramref name="startNs"/> until <paramref name="endNs"/> or cancellation; leaves every line low.</summary>
    public void Run(long startNs, long endNs, CancellationToken cancellation)
    {
        var next = _waves.Select(_ => startNs).ToArray();
        var high = new bool[_waves.Count];
        _cycles.Clear();
        _cycles.AddRange(_waves.Select(_ => 0L));
        while (!cancellation.IsCancellationRequested)
        {
            var i = Array.IndexOf(next, next.Min());
            if (next[i] >= endNs)
            {
                break;
            }

            MonotonicClock.SleepUntil(next[i]);
            var (request, line, period, highNs) = _waves[i];
            high[i] = !high[i];
            request.Write(line, high[i] ? PinValue.High : PinValue.Low);
            var step = high[i] ? highNs : period - highNs;
            if (high[i])
            {
                _cycles[i]++;
            }

            next[i] = NextDeadline(next[i], step);
        }

        foreach (var (request, line, _, _) in _waves)
        {
            request.Write(line, PinValue.Low);
        }
    }
}
