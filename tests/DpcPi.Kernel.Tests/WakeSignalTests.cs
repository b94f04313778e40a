using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

/// <summary>The futex a sleeping DPC worker waits on: no lost wake-up, no wake-up without a signal.</summary>
public sealed class WakeSignalTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    [Fact]
    public void Wait_AfterSet_ReturnsWithoutSleeping()
    {
        var signal = new WakeSignal();
        signal.Set();

        Assert.True(Task.Run(signal.Wait).Wait(Long));
    }

    [Fact]
    public void Set_WhileAnotherThreadSleeps_WakesIt()
    {
        var signal = new WakeSignal();
        var sleeper = Task.Run(signal.Wait);

        Assert.False(sleeper.Wait(TimeSpan.FromMilliseconds(200)), "Wait returned with no signal");
        signal.Set();

        Assert.True(sleeper.Wait(Long));
    }

    [Fact]
    public void Wait_AfterSetThenReset_SleepsUntilTheNextSet()
    {
        var signal = new WakeSignal();
        signal.Set();
        signal.Reset();
        var sleeper = Task.Run(signal.Wait);

        Assert.False(sleeper.Wait(TimeSpan.FromMilliseconds(200)), "a reset signal still woke the sleeper");
        signal.Set();

        Assert.True(sleeper.Wait(Long));
    }

    [Fact]
    public void Set_ManyTimesAgainstASleepLoop_NeverLosesAWakeUp()
    {
        // The worker's loop: wait, reset, look at the work counter. Every Set after new work must be seen.
        var signal = new WakeSignal();
        long published = 0;
        long seen = 0;
        var stop = false;
        var worker = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                if (Volatile.Read(ref published) == Volatile.Read(ref seen))
                {
                    signal.Wait();
                    signal.Reset();
                }

                Volatile.Write(ref seen, Volatile.Read(ref published));
            }
        });
        worker.Start();

        for (var i = 1; i <= 2_000; i++)
        {
            Volatile.Write(ref published, i);
            signal.Set();
            var spin = new SpinWait();
            var deadline = Environment.TickCount64 + 10_000;
            while (Volatile.Read(ref seen) < i)
            {
                Assert.True(Environment.TickCount64 < deadline, $"wake-up {i} was lost");
                spin.SpinOnce();
            }
        }

        Volatile.Write(ref stop, true);
        signal.Set();
        Assert.True(worker.Join(Long));
    }
}
