namespace DpcPi.Kernel;

/// <summary><see cref="DpcWaitStrategy.Blocking"/>: sleeps at once (no CPU while idle; every wake-up pays a futex wake).</summary>
internal sealed class BlockingWaitStrategy : IWaitStrategy
{
    public static readonly BlockingWaitStrategy Instance = new();

    private BlockingWaitStrategy()
    {
    }

    public void WaitForWork(DpcLane lane)
    {
        if (!lane.TakeWork())
        {
            lane.SleepUntilWork();
        }
    }
}
