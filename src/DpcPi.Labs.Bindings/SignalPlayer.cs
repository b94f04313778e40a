using DpcPi.Platform;

namespace DpcPi.Labs.Bindings;

/// <summary>One step of a signal: wait <see cref="GapNs"/> after the previous step, then set <see cref="Line"/> to <see cref="High"/>.</summary>
public readonly record struct SignalStep(long GapNs, int Line, bool High);

/// <summary>
/// Plays a signal on the fake backend in real time on a thread of its own: sleep the gap from the previous write,
/// then write. A late wake-up stretches the signal; it never catches up with back-to-back writes, which would
/// bunch edges that a real contact or sensor keeps apart.
/// </summary>
public static class SignalPlayer
{
    /// <summary>Plays <paramref name="steps"/>; returns each step's gap as played (from the previous write's start to its own; 0 for steps not played).</summary>
    public static long[] Play(BesideRig rig, IReadOnlyList<SignalStep> steps, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(steps);
        var played = new long[steps.Count];
        var player = new Thread(() =>
        {
            _ = ThreadControl.SetTimerSlack(1); // sub-millisecond gaps (contact bounce) need a precise wake-up
            var last = MonotonicClock.NowNs;
            var lastStart = last;
            for (var i = 0; i < steps.Count; i++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                MonotonicClock.SleepUntil(last + steps[i].GapNs);
                var start = MonotonicClock.NowNs;
                rig.Set(steps[i].Line, steps[i].High);
                last = MonotonicClock.NowNs;
                played[i] = start - lastStart;
                lastStart = start;
            }
        }) { IsBackground = true, Name = "lab-signal" };
        player.Start();
        player.Join();
        return played;
    }

    /// <summary>Gaps meant to be shorter than <paramref name="limitNs"/> that were played at least that long (a stalled player).</summary>
    public static int Stretched(IReadOnlyList<SignalStep> steps, long[] played, long limitNs)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(played);
        var n = 0;
        for (var i = 1; i < steps.Count; i++)
        {
            n += steps[i].GapNs < limitNs && played[i] >= limitNs ? 1 : 0;
        }

        return n;
    }
}
