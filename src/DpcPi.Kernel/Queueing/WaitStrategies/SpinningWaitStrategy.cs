using DpcPi.Platform;

namespace DpcPi.Kernel;

/// <summary>
/// The strategies that poll before they sleep: one pause between looks, as often as the raw floor looks.
/// Every 256 looks the spin checks its deadline and whether the core's lower-priority lane has work to yield to.
/// </summary>
internal abstract class SpinningWaitStrategy(DpcLane? yieldTo) : IWaitStrategy
{
    public void WaitForWork(DpcLane lane)
    {
        if (lane.TakeWork())
        {
            return;
        }

        var until = SpinDeadlineNs();
        var spins = 0;
        while (!lane.IsStopping)
        {
            if (lane.TakeWork())
            {
                return;
            }

            Thread.SpinWait(1);
            if ((++spins & 255) == 0 && (MonotonicClock.NowNs >= until || (yieldTo?.HasWork ?? false)))
            {
                break;
            }
        }

        lane.SleepUntilWork();
    }

    /// <summary>When the spin gives up and the worker sleeps (monotonic ns).</summary>
    protected abstract long SpinDeadlineNs();
}

/// <summary><see cref="DpcWaitStrategy.SpinThenBlock"/>: spins for a bounded time after the last DPC, then sleeps.</summary>
internal sealed class SpinThenBlockWaitStrategy(long spinNs, DpcLane? yieldTo) : SpinningWaitStrategy(yieldTo)
{
    protected override long SpinDeadlineNs() => MonotonicClock.NowNs + spinNs;
}

/// <summary><see cref="DpcWaitStrategy.BusySpin"/>: never gives up spinning, except to let the core's threaded lane run.</summary>
internal sealed class BusySpinWaitStrategy(DpcLane? yieldTo) : SpinningWaitStrategy(yieldTo)
{
    protected override long SpinDeadlineNs() => long.MaxValue;
}
