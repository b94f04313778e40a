using DpcPi.Interrupts;
using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.Platform;

namespace DpcPi.Interrupts.Tests;

/// <summary>The one-shot timerfd of HighResolution timer mode, on the real clock and a real epoll set (the test is the ISR thread).</summary>
public sealed class HighResolutionTimerSourceTests : IDisposable
{
    private const int Vector = 3;
    private readonly EpollInterruptController _controller = new();
    private readonly HighResolutionTimerSource _source = new();
    private readonly DpcKernel _kernel = new(new KernelOptions
    {
        Processors = [0],
        StartThreads = false,
        Realtime = false,
        Pin = false,
        TimerMode = TimerMode.HighResolution,
    });

    public HighResolutionTimerSourceTests()
    {
        _controller.Register(_source.Handle, Vector);
        _kernel.ConnectTimerInterrupt(Vector, _source);
        _source.Attach(_kernel.Timers);
    }

    [Fact]
    public void OneShotTimer_Fires_QueuesItsDpcWithTheDueTimeAndDisarms()
    {
        var ran = new List<(nint Due, nint Count)>();
        var dpc = _kernel.InitializeDpc((_, _, due, count) => ran.Add((due, count)), name: "timeout");
        dpc.SetTargetProcessor(0);
        var timer = _kernel.InitializeTimer("timeout");
        var due = MonotonicClock.NowNs + 2_000_000;

        _kernel.SetTimer(timer, TimerDueTime.Absolute(due), dpc: dpc);
        Assert.Equal(due, _source.ProgrammedExpiryNs);
        PollUntil(() => _kernel.QueuedDpcs(0).Count == 1);
        _kernel.RunDpcs(0);

        Assert.Equal([((nint)due, (nint)1)], ran);
        Assert.True(timer.IsSignaled);
        Assert.Equal(long.MaxValue, _source.ProgrammedExpiryNs);
        Assert.Equal(1, _kernel.Timers.HardwareTimerInterrupts);
        var expiryToDpc = _kernel.GetRecorder(0)[LatencyStage.EdgeToDpcStart];
        Assert.Equal(1, expiryToDpc.TotalCount);
        Assert.True(expiryToDpc.Min >= 0);
    }

    [Fact]
    public void CoalescableTimers_OverlappingWindows_ShareOneInterrupt()
    {
        var runs = 0;
        var start = MonotonicClock.NowNs + 5_000_000;
        for (var i = 0; i < 10; i++)
        {
            var dpc = _kernel.InitializeDpc((_, _, _, _) => runs++, name: $"t{i}");
            dpc.SetTargetProcessor(0);
            // Due 0.1 ms apart, each may be 2 ms late: one interrupt at the first deadline serves all ten.
            _kernel.SetCoalescableTimer(_kernel.InitializeTimer($"t{i}"), TimerDueTime.Absolute(start + (i * 100_000)), 0, 2_000_000, dpc);
        }

        Assert.Equal(start + 2_000_000, _source.ProgrammedExpiryNs);
        PollUntil(() => _kernel.Timers.TimerExpirations == 10);
        _kernel.RunDpcs(0);

        Assert.Equal(10, runs);
        Assert.Equal(1, _kernel.Timers.HardwareTimerInterrupts);
        Assert.Equal(long.MaxValue, _source.ProgrammedExpiryNs);
    }

    [Fact]
    public void PeriodicTimer_Cancelled_StopsInterruptingAndDisarms()
    {
        var timer = _kernel.InitializeTimer("tick");
        _kernel.SetTimer(timer, TimerDueTime.Relative(1_000_000), periodNs: 1_000_000);
        PollUntil(() => timer.ExpirationCount >= 3);

        Assert.True(_kernel.CancelTimer(timer));
        var after = _source.Interrupts;
        for (var i = 0; i < 5; i++)
        {
            _kernel.PollInterrupts(_controller, 5);
        }

        Assert.Equal(long.MaxValue, _source.ProgrammedExpiryNs);
        Assert.Equal(after, _source.Interrupts);
    }

    [Fact]
    public void Attach_PeriodicTickTable_ThrowsNamingTheMode()
    {
        using var kernel = new DpcKernel(new KernelOptions { Processors = [0], StartThreads = false, Realtime = false, Pin = false });
        using var source = new HighResolutionTimerSource();

        var ex = Assert.Throws<ArgumentException>(() => source.Attach(kernel.Timers));
        Assert.Contains("PeriodicTick", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _source.Dispose();
        _kernel.Dispose();
        _controller.Dispose();
    }

    private void PollUntil(Func<bool> condition)
    {
        var deadline = MonotonicClock.NowNs + 10_000_000_000;
        while (!condition())
        {
            Assert.True(MonotonicClock.NowNs < deadline, "the timer interrupt never came");
            _kernel.PollInterrupts(_controller, 10);
        }
    }
}
