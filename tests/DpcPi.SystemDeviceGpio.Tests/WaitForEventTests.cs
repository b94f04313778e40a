using System.Device.Gpio;
using Lines = DpcPi.Gpio;

namespace DpcPi.SystemDeviceGpio.Tests;

/// <summary>WaitForEvent and WaitForEventAsync: ended by the pin's DPC, never by an edge from before the call.</summary>
public sealed class WaitForEventTests
{
    [Fact]
    public void WaitForEvent_FallingWantedWhileRisingAlsoWatched_IgnoresRisingAndReturnsFalling()
    {
        using var rig = new FakeRig();
        var log = new CallbackLog();
        rig.Controller.OpenPin(30, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(30, PinEventTypes.Rising, log.Handler);
        WaitForEventResult result = default;
        var waiter = new Thread(() => result = rig.Controller.WaitForEvent(30, PinEventTypes.Falling, TimeSpan.FromSeconds(30)));
        waiter.Start();
        FakeRig.WaitUntil(() => rig.LineInfo(30).Edges == (Lines.PinEventTypes.Rising | Lines.PinEventTypes.Falling), "the wait has added falling-edge detection");

        rig.Set(30, PinValue.High);
        log.WaitFor(1); // the rising edge went through the DPC: it must not have ended the wait
        rig.Set(30, PinValue.Low);
        Assert.True(waiter.Join(TimeSpan.FromSeconds(30)));

        Assert.False(result.TimedOut);
        Assert.Equal(PinEventTypes.Falling, result.EventTypes);
        Assert.Equal(Lines.PinEventTypes.Rising, rig.LineInfo(30).Edges); // the wait's edge is no longer detected
    }

    [Fact]
    public void WaitForEvent_NoEdge_TimesOut()
    {
        using var rig = new FakeRig();
        rig.Controller.OpenPin(31, PinMode.Input);

        var result = rig.Controller.WaitForEvent(31, PinEventTypes.Rising, TimeSpan.FromMilliseconds(50));

        Assert.True(result.TimedOut);
        Assert.Equal(PinEventTypes.None, result.EventTypes);
    }

    [Fact]
    public async Task WaitForEventAsync_Edge_CompletesWithItsType()
    {
        using var rig = new FakeRig();
        rig.Controller.OpenPin(32, PinMode.Input);

        var pending = rig.Controller.WaitForEventAsync(32, PinEventTypes.Rising | PinEventTypes.Falling, TestContext.Current.CancellationToken).AsTask();
        FakeRig.WaitUntil(() => rig.LineInfo(32).Edges != Lines.PinEventTypes.None, "the wait has enabled edge detection");
        rig.Set(32, PinValue.High);
        var result = await pending.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.False(result.TimedOut);
        Assert.Equal(PinEventTypes.Rising, result.EventTypes);
    }

    [Fact]
    public async Task WaitForEventAsync_Cancelled_ReturnsTimedOut()
    {
        using var rig = new FakeRig();
        rig.Controller.OpenPin(33, PinMode.Input);
        using var cts = new CancellationTokenSource();

        var pending = rig.Controller.WaitForEventAsync(33, PinEventTypes.Rising, cts.Token).AsTask();
        await cts.CancelAsync();
        var result = await pending.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.True(result.TimedOut);
    }

    [Fact]
    public async Task WaitForEventAsync_EdgeReadBeforeTheCall_DoesNotEndTheWait()
    {
        using var rig = new FakeRig();
        var log = new CallbackLog();
        rig.Controller.OpenPin(34, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(34, PinEventTypes.Rising, log.Handler);
        Task<WaitForEventResult> pending;
        using (rig.Driver.Kernel.HoldAtDispatch(rig.Driver.Kernel.IsrProcessor))
        {
            rig.Edge(34, PinEventTypes.Rising, 1_000); // read by the ISR, still queued for the held DPC
            FakeRig.WaitUntil(() => rig.Driver.GetStatistics(34).EdgesRead == 1, "the ISR has read the first edge");
            pending = rig.Controller.WaitForEventAsync(34, PinEventTypes.Rising, TestContext.Current.CancellationToken).AsTask();
        }

        log.WaitFor(1); // the DPC has delivered the old edge (waiters are served before callbacks)
        Assert.False(pending.IsCompleted);
        rig.Edge(34, PinEventTypes.Rising, 2_000);
        var result = await pending.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.False(result.TimedOut);
        Assert.Equal(PinEventTypes.Rising, result.EventTypes);
    }

    [Fact]
    public void WaitForEvent_OutputPin_ThrowsInvalidOperation()
    {
        using var rig = new FakeRig();
        rig.Controller.OpenPin(35, PinMode.Output);

        var ex = Assert.Throws<InvalidOperationException>(() => rig.Controller.WaitForEvent(35, PinEventTypes.Rising, TimeSpan.FromSeconds(1)));

        Assert.Contains("Pin 35 is an output", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WaitForEvent_InsideACallback_ThrowsInsteadOfDeadlocking()
    {
        using var rig = new FakeRig();
        Exception? caught = null;
        using var done = new ManualResetEventSlim();
        rig.Controller.OpenPin(36, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(36, PinEventTypes.Rising, (_, _) =>
        {
            caught = Record.Exception(() => rig.Controller.WaitForEvent(36, PinEventTypes.Falling, TimeSpan.FromSeconds(5)));
            done.Set();
        });

        rig.Set(36, PinValue.High);

        Assert.True(done.Wait(TimeSpan.FromSeconds(30)));
        Assert.IsType<InvalidOperationException>(caught);
    }
}
