namespace DpcPi.Kernel;

/// <summary>
/// How a lane's idle worker waits for work (<see cref="DpcWaitStrategy"/> chooses the type): spin, sleep, or
/// spin then sleep. The strategy drives the lane's primitives (<see cref="DpcLane.TakeWork"/>,
/// <see cref="DpcLane.SleepUntilWork"/>); the lane never calls it.
/// </summary>
internal interface IWaitStrategy
{
    /// <summary>Returns once the lane has work (a request it had is consumed) or is stopping.</summary>
    void WaitForWork(DpcLane lane);
}

/// <summary>Builds a lane's wait strategy from the configured <see cref="DpcWaitStrategy"/>.</summary>
internal static class WaitStrategy
{
    /// <param name="yieldTo">The lower-priority lane on the same core (the threaded lane for the normal one): while it
    /// has work, a spinning worker stops spinning and sleeps, or a busy-spinning FIFO worker would starve it.</param>
    public static IWaitStrategy Create(DpcWaitStrategy kind, long spinNs, DpcLane? yieldTo) => kind switch
    {
        DpcWaitStrategy.Blocking => BlockingWaitStrategy.Instance,
        DpcWaitStrategy.BusySpin => new BusySpinWaitStrategy(yieldTo),
        _ => new SpinThenBlockWaitStrategy(spinNs, yieldTo),
    };
}
