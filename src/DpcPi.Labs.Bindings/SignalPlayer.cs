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
    public static void Play(BesideRig rig, IReadOnlyList<SignalStep> steps, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rig);
        ArgumentNullException.ThrowIfNull(steps);
        var player = new Thread(() =>
        {
            _ = ThreadControl.SetTimerSlack(1); // sub-millisecond gaps (contact bounce) need a precise wake-up
            var last = MonotonicClock.NowNs;
            foreach (var step in steps)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                MonotonicClock.SleepUntil(last + step.GapNs);
                rig.Set(step.Line, step.High);
                last = MonotonicClock.NowNs;
            }
        }) { IsBackground = true, Name = "lab-signal" };
        player.Start();
        player.Join();
    }
}
